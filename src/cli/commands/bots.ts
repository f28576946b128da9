import { listBots, type BotListing } from '../../bots/list-bots.js';
import type { CommandContext } from '../context.js';
import { table } from '../output.js';

export async function run(context: CommandContext): Promise<BotListing[]> {
  const { db } = await context.database();
  return listBots(db);
}

export function render(bots: BotListing[]): string {
  if (bots.length === 0) return 'No bots yet.\n  next: botctl templates, then botctl create --template NAME --name NAME';
  return table(
    ['id', 'name', 'developer', 'kind', 'code path', 'exchange', 'subscriptions'],
    bots.map((b) => [b.id, b.name, b.developer_id, b.kind, b.code_path, b.exchange_type, b.subscriptions]),
  );
}
