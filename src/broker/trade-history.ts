// Reading what runs traded and signalled, for `botctl orders` and `botctl signals`.
import type { Kysely } from 'kysely';
import type { Database, Order } from '../db/schema.js';

/** Every column of an `orders` row. */
export type OrderListing = Order;

export interface SignalListing {
  id: number;
  run_id: number;
  subscription_id: number;
  symbol: string;
  action: string;
  reason: string | null;
  data: Record<string, unknown> | null;
  created_at: string;
}

/** Newest first. */
export async function listOrders(db: Kysely<Database>, filter: { subscriptionId?: number; runId?: number; limit: number }): Promise<OrderListing[]> {
  let query = db
    .selectFrom('orders')
    .select(['id', 'run_id', 'subscription_id', 'mode', 'symbol', 'side', 'type', 'amount', 'price', 'status', 'exchange_order_id', 'client_order_id', 'created_at'])
    .orderBy('id', 'desc')
    .limit(filter.limit);
  if (filter.subscriptionId !== undefined) query = query.where('subscription_id', '=', filter.subscriptionId);
  if (filter.runId !== undefined) query = query.where('run_id', '=', filter.runId);
  return query.execute();
}

/** Newest first; payload (the bot's SignalInput) split into reason and data. */
export async function listSignals(db: Kysely<Database>, filter: { subscriptionId?: number; limit: number }): Promise<SignalListing[]> {
  let query = db.selectFrom('signals').select(['id', 'run_id', 'subscription_id', 'symbol', 'action', 'payload', 'created_at']).orderBy('id', 'desc').limit(filter.limit);
  if (filter.subscriptionId !== undefined) query = query.where('subscription_id', '=', filter.subscriptionId);
  const rows = await query.execute();
  return rows.map(({ payload, ...row }) => {
    let parsed: { reason?: unknown; data?: unknown } = {};
    try {
      parsed = JSON.parse(payload) as typeof parsed;
    } catch {
      // a payload that is not JSON shows as no reason and no data
    }
    return {
      ...row,
      reason: typeof parsed.reason === 'string' ? parsed.reason : null,
      data: parsed.data && typeof parsed.data === 'object' ? (parsed.data as Record<string, unknown>) : null,
    };
  });
}
