// Which node runs a slot: rendezvous (highest random weight) hashing of (node, subscription, slot) over the nodes
// alive now. Every node computes the same answer from the same membership without asking anyone; each slot goes
// to one node; spread over many slots each node gets 1/N; and when a node leaves, only its slots move, spread
// evenly over the others (none of the rest change hands). Per slot rather than per subscription, so the shares
// even out over slots even with few subscriptions. The slot's claim in the ledger (a unique insert) stays what
// guarantees "at most once": two nodes whose views differ for a moment both try, and one wins.

/** A 32-bit integer mix (murmur3's finaliser): small input changes scatter over the whole range. */
function mix(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function weight(nodeId: number, subscriptionId: number, slotSeconds: number): number {
  return mix(mix(mix(nodeId) ^ subscriptionId) ^ slotSeconds);
}

/** The node (of `nodes`, ids) that owns the slot (`slot`: ms since epoch); undefined if there is none. */
export function slotOwner(nodes: readonly number[], subscriptionId: number, slot: number): number | undefined {
  const seconds = Math.floor(slot / 1000) >>> 0;
  let best: number | undefined;
  let bestWeight = -1;
  for (const node of nodes) {
    const w = weight(node, subscriptionId, seconds);
    // Ties (1 in 2^32) go to the lower id, the same on every node.
    if (w > bestWeight || (w === bestWeight && best !== undefined && node < best)) {
      best = node;
      bestWeight = w;
    }
  }
  return best;
}
