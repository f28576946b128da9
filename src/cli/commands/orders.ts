import { listOrders, type OrderListing } from '../../broker/trade-history.js';
import { findSubscription } from '../../subscriptions/find-subscription.js';
import { subscriptionLabels } from '../../subscriptions/subscription-labels.js';
import { parseRunId } from '../run-id.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { named, status, table } from '../output.js';
import { marketPrecision } from '../output/market-precision.js';
import { formatNumber } from '../output/numbers.js';
import { parseLimit } from './runs.js';

export type OrderRow = OrderListing & { subscription_name: string | null; exchange: string | null };

export async function run(context: CommandContext, _args: Arguments<'orders'>, options: Options<'orders'>): Promise<OrderRow[]> {
  const limit = parseLimit(options.limit);
  const runId = options.run === undefined ? undefined : parseRunId('`--run`', options.run);
  const { db } = await context.database();
  const subscriptionId = options.subscription === undefined ? undefined : (await findSubscription(db, options.subscription)).id;
  const orders = await listOrders(db, {
    limit,
    ...(subscriptionId === undefined ? {} : { subscriptionId }),
    ...(runId === undefined ? {} : { runId }),
  });
  const labels = await subscriptionLabels(db, orders.map((o) => o.subscription_id));
  return orders.map((o) => {
    const label = labels.get(o.subscription_id);
    return { ...o, subscription_name: label?.name ?? null, exchange: label?.exchange ?? null };
  });
}

export function render(rows: OrderRow[]): string {
  if (rows.length === 0) return 'No orders yet.\n  next: botctl runs';
  return table(
    [
      { head: 'id', align: 'right' },
      { head: 'subscription', flexible: true },
      'mode',
      { head: 'symbol', flexible: true },
      'side',
      { head: 'type', flexible: true },
      { head: 'amount', align: 'right' },
      { head: 'price', align: 'right' },
      'status',
      { head: 'run', align: 'right', optional: true },
      { head: 'exchange id', optional: true },
    ],
    rows.map((o) => {
      const precision = marketPrecision(o.exchange ?? '', o.symbol, o.mode);
      return [
        o.id,
        named(o.subscription_name, o.subscription_id),
        o.mode,
        o.symbol,
        o.side,
        o.type,
        formatNumber(o.amount, precision?.amount),
        formatNumber(o.price, precision?.price),
        status(o.status),
        o.run_id,
        o.exchange_order_id,
      ];
    }),
  );
}
