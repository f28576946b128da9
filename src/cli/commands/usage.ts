import { usageReport, type UsageReport } from '../../bots/usage.js';
import type { CommandContext } from '../context.js';
import { keyValues, table } from '../output.js';

export async function run(context: CommandContext): Promise<UsageReport> {
  const { db } = await context.database();
  return usageReport(db);
}

export function render({ files, totals }: UsageReport): string {
  return [
    table(
      ['code path', 'kind', 'bots', 'subscriptions', 'source bytes', 'bundle bytes'],
      files.map((f) => [f.code_path, f.kind, f.bots, f.subscriptions, f.bytes, f.bundle_bytes ?? '']),
    ),
    keyValues([
      ['bots', totals.bots],
      ['subscriptions', totals.subscriptions],
      ['files', totals.files],
      ['bytes on disk', totals.bytes_on_disk],
      ['bytes if copied per bot', totals.bytes_if_copied],
      ['bytes saved by sharing', totals.bytes_saved],
    ]),
  ].join('\n');
}
