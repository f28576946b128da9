// Deterministic client order ids: the same (subscription, scheduled slot, intent) always yields the same id,
// so a retried request is refused by the exchange as a duplicate (or answered from the session's memory)
// instead of placing a second order.
import { createHash } from 'node:crypto';

export interface OrderIntent {
  subscriptionId: number;
  /** The run's slot (runs are unique per subscription and scheduled_for). */
  scheduledFor: string;
  /** The bot's `params.intent`, or '#<n>' for the n-th unnamed order of the run. */
  intent: string;
}

// 32 characters of [a-z0-9]: inside every major exchange's rules (Binance ≤ 36 of [.A-Z:/a-z0-9_-],
// OKX ≤ 32 alphanumerics, Bybit ≤ 36), with 150 bits of hash.
export function clientOrderId({ subscriptionId, scheduledFor, intent }: OrderIntent): string {
  const digest = createHash('sha256').update(`${subscriptionId}\u0000${scheduledFor}\u0000${intent}`).digest();
  let id = 'bc';
  for (let i = 0; id.length < 32; i++) id += ((digest[i] ?? 0) % 36).toString(36);
  return id;
}
