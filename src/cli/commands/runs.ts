import { findSubscription } from '../../subscriptions/find-subscription.js';
import { listRuns, type RunListing } from '../../daemon/run-history.js';
import { invalid, shown } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { table } from '../output.js';

export async function run(context: CommandContext, _args: string[], options: { subscription?: string; limit?: string }): Promise<RunListing[]> {
  const limit = parseLimit(options.limit);
  const { db } = await context.database();
  const subscriptionId = options.subscription === undefined ? undefined : (await findSubscription(db, options.subscription)).id;
  return listRuns(db, { limit, ...(subscriptionId === undefined ? {} : { subscriptionId }) });
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined) return 20;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 10_000) throw invalid(`Expected \`--limit\` to be a whole number from 1 to 10000, got ${shown(value)}.`);
  return n;
}

export function render(rows: RunListing[]): string {
  if (rows.length === 0) return 'No runs yet.\n  next: botd start, or botctl run SUB';
  return table(
    ['id', 'sub', 'scheduled for', 'status', 'duration', 'code', 'error'],
    rows.map((r) => [
      r.id,
      r.subscription_id,
      r.scheduled_for,
      r.status,
      r.duration_ms === null ? '' : `${r.duration_ms} ms`,
      r.code_sha256?.slice(0, 12),
      shortError(r.error),
    ]),
  );
}

function shortError(error: string | null): string {
  const line = error?.split('\n', 1)[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 60)}…` : line;
}
