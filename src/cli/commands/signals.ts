import { listSignals, type SignalListing } from '../../broker/trade-history.js';
import { findSubscription } from '../../subscriptions/find-subscription.js';
import type { CommandContext } from '../context.js';
import { table } from '../output.js';
import { parseLimit } from './runs.js';

export async function run(context: CommandContext, _args: string[], options: { subscription?: string; limit?: string }): Promise<SignalListing[]> {
  const limit = parseLimit(options.limit);
  const { db } = await context.database();
  const subscriptionId = options.subscription === undefined ? undefined : (await findSubscription(db, options.subscription)).id;
  return listSignals(db, { limit, ...(subscriptionId === undefined ? {} : { subscriptionId }) });
}

export function render(rows: SignalListing[]): string {
  if (rows.length === 0) return 'No signals yet.\n  next: botctl runs';
  return table(
    ['id', 'run', 'sub', 'symbol', 'action', 'reason', 'at'],
    rows.map((s) => [s.id, s.run_id, s.subscription_id, s.symbol, s.action, short(s.reason), s.created_at]),
  );
}

function short(text: string | null): string {
  const line = text?.split('\n', 1)[0] ?? '';
  return line.length > 70 ? `${line.slice(0, 70)}…` : line;
}
