import { findRun, type RunDetail } from '../../daemon/run-history.js';
import { subscriptionLabels } from '../../subscriptions/subscription-labels.js';
import { parseRunId } from '../run-id.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { block, duration, errorLine, named, quiet, toned, status, when } from '../output.js';
import { runErrorView } from '../output/run-error.js';

export type LogsResult = RunDetail & { subscription_name: string | null };

export async function run(context: CommandContext, [ref]: Arguments<'logs'>): Promise<LogsResult> {
  const id = parseRunId('RUN', ref);
  const { db } = await context.database();
  const found = await findRun(db, id);
  const labels = await subscriptionLabels(db, [found.subscription_id]);
  return { ...found, subscription_name: labels.get(found.subscription_id)?.name ?? null };
}

export function render(run: LogsResult): string {
  const view = runErrorView(run.error, run.log_tail);
  const took = run.duration_ms === null ? '' : ` · ${duration(run.duration_ms)}`;
  const header = `${quiet(`run ${run.id} · subscription ${named(run.subscription_name, run.subscription_id)} · ${when(run.scheduled_for)} UTC ·`)} ${toned(status(run.status))}${quiet(took)}`;
  const error = view.error ? `\n${errorLine('error:', view.error)}` : '';
  return `${header}${error}\n\n${view.tail ? block(view.tail) : quiet('(no output)')}`;
}
