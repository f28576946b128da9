import { deleteSubscription } from '../../subscriptions/change-subscription.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { success } from '../output.js';

export interface UnsubscribedResult {
  id: number;
  name: string | null;
  deleted: true;
}

export async function run(context: CommandContext, [ref]: Arguments<'unsubscribe'>): Promise<UnsubscribedResult> {
  const { db } = await context.database();
  const s = await deleteSubscription(db, ref ?? '');
  return { id: s.id, name: s.name, deleted: true };
}

export function render(r: UnsubscribedResult): string {
  return success(`Removed subscription ${r.id}${r.name ? ` (${r.name})` : ''} with its run history`);
}
