import { findRun, type RunDetail } from '../../daemon/run-history.js';
import { invalid, shown } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { paint } from '../output.js';

export async function run(context: CommandContext, [ref]: string[]): Promise<RunDetail> {
  const text = (ref ?? '').trim();
  if (!/^\d+$/.test(text)) throw invalid(`Expected RUN to be a run id (a number, see \`botctl runs\`), got ${shown(ref)}.`);
  const { db } = await context.database();
  return findRun(db, Number(text));
}

export function render(run: RunDetail): string {
  const duration = run.duration_ms === null ? '' : ` · ${run.duration_ms} ms`;
  const header = paint.dim(`run ${run.id} · subscription ${run.subscription_id} · ${run.scheduled_for} · ${run.status}${duration}`);
  const error = run.error ? `\n${paint.red('error:')} ${run.error}` : '';
  return `${header}${error}\n\n${run.log_tail?.trimEnd() || paint.dim('(no output)')}`;
}
