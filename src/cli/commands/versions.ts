import { describeVersions, type VersionRow } from '../../bots/versions.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { table } from '../output.js';

export type VersionsResult = (VersionRow & { bot_id: number; bot: string })[];

export async function run(context: CommandContext, [bot]: Arguments<'versions'>): Promise<VersionsResult> {
  const { db } = await context.database();
  const described = await describeVersions(db, bot ?? '');
  return described.versions.map((v) => ({ bot_id: described.bot.id, bot: described.bot.name, ...v }));
}

export function render(rows: VersionsResult): string {
  return table(
    ['version', 'sha256', 'bytes', 'uploaded', 'subscriptions', ''],
    rows.map((v) => [v.version, v.sha256.slice(0, 12), v.size, v.created_at, v.subscriptions, v.latest ? 'latest' : '']),
  );
}
