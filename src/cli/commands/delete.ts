import { deleteBot } from '../../bots/delete-bot.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { success } from '../output.js';

export interface DeletedBotResult {
  id: number;
  name: string;
  deleted: true;
  subscriptions_removed: number;
}

export async function run(context: CommandContext, [ref]: Arguments<'delete'>, options: Options<'delete'>): Promise<DeletedBotResult> {
  const { db } = await context.database();
  const { bot, subscriptions } = await deleteBot(db, ref ?? '', { force: Boolean(options.force) });
  return { id: bot.id, name: bot.name, deleted: true, subscriptions_removed: subscriptions };
}

export function render(result: DeletedBotResult): string {
  const extra = result.subscriptions_removed ? ` and its ${result.subscriptions_removed} subscription(s)` : '';
  return success(`Deleted bot ${result.name} (id ${result.id})${extra}`);
}
