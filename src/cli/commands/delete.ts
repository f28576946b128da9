import { deleteBot, removeBotObjects } from '../../bots/delete-bot.js';
import { errorText } from '../../errors.js';
import { openObjectStore } from '../../store/open-store.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { line, success, toned } from '../output.js';

export interface DeletedBotResult {
  id: number;
  name: string;
  deleted: true;
  subscriptions_removed: number;
  /** A custom bot's objects removed from the store (source and bundle of every version); absent for a template bot. */
  objects_removed?: number;
  /** Why some objects stayed (the store could not be reached): `botctl doctor --fix` collects them later. */
  objects_left?: string;
}

export async function run(context: CommandContext, [ref]: Arguments<'delete'>, options: Options<'delete'>): Promise<DeletedBotResult> {
  const { db } = await context.database();
  const deleted = await deleteBot(db, ref ?? '', { force: Boolean(options.force) });
  const { bot, subscriptions } = deleted;
  const result: DeletedBotResult = { id: bot.id, name: bot.name, deleted: true, subscriptions_removed: subscriptions };
  if (bot.kind !== 'custom') return result;
  result.objects_removed = 0;
  // The rows are gone and stay gone: a store that fails now leaves orphans, reported, not an exit 1 (which
  // promises that nothing was written).
  try {
    const store = openObjectStore(context.home);
    try {
      result.objects_removed = (await removeBotObjects(db, store, deleted)).length;
    } finally {
      store.close();
    }
  } catch (error) {
    result.objects_left = `${errorText(error)}; botctl doctor --fix removes them (once they are an hour old)`;
  }
  return result;
}

export function render(result: DeletedBotResult): string {
  const extra = result.subscriptions_removed ? ` and its ${result.subscriptions_removed} subscription(s)` : '';
  const objects = result.objects_removed ? `, removed ${result.objects_removed} stored object(s)` : '';
  const done = success(`Deleted bot ${result.name} (id ${result.id})${extra}${objects}`);
  if (result.objects_left === undefined) return done;
  return `${done}\n${toned({ text: 'warning:', tone: 'warn' })} ${line(`its stored objects stay: ${result.objects_left}`)}`;
}
