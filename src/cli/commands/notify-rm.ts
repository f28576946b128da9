import { removeChannel } from '../../notify/channels.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { success } from '../output.js';

export async function run(context: CommandContext, [name]: Arguments<'notify rm'>): Promise<{ name: string; removed: true }> {
  const { db } = await context.database();
  const removed = await removeChannel(db, name ?? '');
  return { name: removed.name, removed: true };
}

export function render(result: { name: string }): string {
  return success(`Removed notification channel ${result.name}`);
}
