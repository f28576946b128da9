import { listOrders, type OrderListing } from '../../broker/trade-history.js';
import { findSubscription } from '../../subscriptions/find-subscription.js';
import { invalid, shown } from '../../errors.js';
import { parseRunId } from '../run-id.js';
import type { CommandContext } from '../context.js';
import { table } from '../output.js';
import { parseLimit } from './runs.js';

export async function run(context: CommandContext, _args: string[], options: { subscription?: string; run?: string; limit?: string }): Promise<OrderListing[]> {
  const limit = parseLimit(options.limit);
  const runId = options.run === undefined ? undefined : parseRunId('`--run`', options.run);
  const { db } = await context.database();
  const subscriptionId = options.subscription === undefined ? undefined : (await findSubscription(db, options.subscription)).id;
  return listOrders(db, {
    limit,
    ...(subscriptionId === undefined ? {} : { subscriptionId }),
    ...(runId === undefined ? {} : { runId }),
  });
}

export function render(rows: OrderListing[]): string {
  if (rows.length === 0) return 'No orders yet.\n  next: botctl runs';
  return table(
    ['id', 'run', 'sub', 'mode', 'symbol', 'side', 'type', 'amount', 'price', 'status', 'exchange id'],
    rows.map((o) => [o.id, o.run_id, o.subscription_id, o.mode, o.symbol, o.side, o.type, o.amount, o.price, o.status, o.exchange_order_id]),
  );
}
