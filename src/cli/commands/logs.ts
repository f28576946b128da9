import { findRun, type RunDetail } from '../../daemon/run-history.js';
import { parseRunId } from '../run-id.js';
import type { CommandContext } from '../context.js';
import { paint } from '../output.js';

export async function run(context: CommandContext, [ref]: string[]): Promise<RunDetail> {
  const id = parseRunId('RUN', ref);
  const { db } = await context.database();
  return findRun(db, id);
}

export function render(run: RunDetail): string {
  const duration = run.duration_ms === null ? '' : ` · ${run.duration_ms} ms`;
  const header = paint.dim(`run ${run.id} · subscription ${run.subscription_id} · ${run.scheduled_for} · ${run.status}${duration}`);
  const error = run.error ? `\n${paint.red('error:')} ${run.error}` : '';
  return `${header}${error}\n\n${run.log_tail?.trimEnd() || paint.dim('(no output)')}`;
}
