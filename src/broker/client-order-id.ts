// Deterministic client order ids: the same (subscription, run, intent) always yields the same id,
// so a retried request is refused by the exchange as a duplicate (or answered from the session's memory)
// instead of placing a second order.
import { createHash } from 'node:crypto';

export interface OrderIntent {
  subscriptionId: number;
  /** The run placing the order: one per (subscription, scheduled slot), so a slot's orders never repeat. */
  runId: number;
  /** The bot's `params.intent`, or '#<n>' for the n-th unnamed order of the run. */
  intent: string;
}

// 32 characters of [a-z0-9]: inside every major exchange's rules (Binance ≤ 36 of [.A-Z:/a-z0-9_-],
// OKX ≤ 32 alphanumerics, Bybit ≤ 36), with 150 bits of hash.
export function clientOrderId({ subscriptionId, runId, intent }: OrderIntent): string {
  // The hashed text is unchanged from when this field was (mis)named scheduledFor and given String(runId).
  const digest = createHash('sha256').update(`${subscriptionId}\u0000${runId}\u0000${intent}`).digest();
  let id = 'bc';
  for (let i = 0; id.length < 32; i++) id += ((digest[i] ?? 0) % 36).toString(36);
  return id;
}
