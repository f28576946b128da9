import { removeKey } from '../../secrets/keys.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { success } from '../output.js';

export interface RemovedKey {
  name: string;
  exchange: string;
  removed: true;
}

export async function run(context: CommandContext, [name]: Arguments<'keys rm'>): Promise<RemovedKey> {
  const { db } = await context.database();
  const key = await removeKey(db, name ?? '');
  return { ...key, removed: true };
}

export function render(key: RemovedKey): string {
  return success(`Removed API key ${key.name} (${key.exchange})`);
}
