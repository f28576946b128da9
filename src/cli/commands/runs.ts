import { findSubscription } from '../../subscriptions/find-subscription.js';
import { listRuns, type RunListing } from '../../daemon/run-history.js';
import { invalid, shown } from '../../errors.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { subscriptionLabels } from '../../subscriptions/subscription-labels.js';
import { duration, firstLine, named, status, table, when } from '../output.js';

export type RunRow = RunListing & { subscription_name: string | null };

export async function run(context: CommandContext, _args: Arguments<'runs'>, options: Options<'runs'>): Promise<RunRow[]> {
  const limit = parseLimit(options.limit);
  const { db } = await context.database();
  const subscriptionId = options.subscription === undefined ? undefined : (await findSubscription(db, options.subscription)).id;
  const runs = await listRuns(db, { limit, ...(subscriptionId === undefined ? {} : { subscriptionId }) });
  const labels = await subscriptionLabels(db, runs.map((r) => r.subscription_id));
  return runs.map((r) => ({ ...r, subscription_name: labels.get(r.subscription_id)?.name ?? null }));
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined) return 20;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 10_000) throw invalid(`Expected \`--limit\` to be a whole number from 1 to 10000, got ${shown(value)}.`);
  return n;
}

export function render(rows: RunRow[]): string {
  if (rows.length === 0) return 'No runs yet.\n  next: botd start, or botctl run SUB';
  return table(
    [
      { head: 'run', align: 'right' },
      { head: 'subscription', flexible: true },
      'scheduled (UTC)',
      'status',
      { head: 'took', align: 'right' },
      { head: 'error', flexible: true, truncate: true },
      { head: 'code', optional: true },
    ],
    rows.map((r) => [
      r.id,
      named(r.subscription_name, r.subscription_id),
      when(r.scheduled_for, 'minutes'),
      status(r.status),
      duration(r.duration_ms),
      firstLine(r.error),
      r.code_sha256?.slice(0, 12),
    ]),
  );
}
