import { listSignals, type SignalListing } from '../../broker/trade-history.js';
import { findSubscription } from '../../subscriptions/find-subscription.js';
import { subscriptionLabels } from '../../subscriptions/subscription-labels.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { firstLine, named, table, when } from '../output.js';
import { parseLimit } from './runs.js';

export type SignalRow = SignalListing & { subscription_name: string | null };

export async function run(context: CommandContext, _args: Arguments<'signals'>, options: Options<'signals'>): Promise<SignalRow[]> {
  const limit = parseLimit(options.limit);
  const { db } = await context.database();
  const subscriptionId = options.subscription === undefined ? undefined : (await findSubscription(db, options.subscription)).id;
  const signals = await listSignals(db, { limit, ...(subscriptionId === undefined ? {} : { subscriptionId }) });
  const labels = await subscriptionLabels(db, signals.map((s) => s.subscription_id));
  return signals.map((s) => ({ ...s, subscription_name: labels.get(s.subscription_id)?.name ?? null }));
}

export function render(rows: SignalRow[]): string {
  if (rows.length === 0) return 'No signals yet.\n  next: botctl runs';
  return table(
    [
      { head: 'at (UTC)' },
      { head: 'subscription', flexible: true },
      { head: 'symbol', flexible: true },
      { head: 'action', flexible: true },
      { head: 'reason', flexible: true },
      { head: 'run', align: 'right', optional: true },
      { head: 'id', align: 'right', optional: true },
    ],
    rows.map((s) => [when(s.created_at, 'minutes'), named(s.subscription_name, s.subscription_id), s.symbol, s.action, firstLine(s.reason, 200), s.run_id, s.id]),
  );
}
