import { pauseSubscription } from '../../subscriptions/change-subscription.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { success } from '../output.js';

export interface EnabledResult {
  id: number;
  name: string | null;
  enabled: boolean;
  paused_reason: string | null;
  /** False when it was already in that state. */
  changed: boolean;
}

export async function run(context: CommandContext, [ref]: Arguments<'pause'>, options: Options<'pause'>): Promise<EnabledResult> {
  const { db } = await context.database();
  const { subscription: s, changed } = await pauseSubscription(db, ref ?? '', options.reason);
  return { id: s.id, name: s.name, enabled: s.enabled === 1, paused_reason: s.paused_reason, changed };
}

export function render(r: EnabledResult): string {
  const label = `subscription ${r.id}${r.name ? ` (${r.name})` : ''}`;
  return r.changed ? success(`Paused ${label}\n  next: botctl resume ${r.name ?? r.id}`) : `${label} was already paused`;
}
