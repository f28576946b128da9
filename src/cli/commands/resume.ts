import { resumeSubscription } from '../../subscriptions/change-subscription.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { success } from '../output.js';
import type { EnabledResult } from './pause.js';

export async function run(context: CommandContext, [ref]: Arguments<'resume'>): Promise<EnabledResult> {
  const { db } = await context.database();
  const { subscription: s, changed } = await resumeSubscription(db, ref ?? '');
  return { id: s.id, name: s.name, enabled: s.enabled === 1, paused_reason: s.paused_reason, changed };
}

export function render(r: EnabledResult): string {
  const label = `subscription ${r.id}${r.name ? ` (${r.name})` : ''}`;
  return r.changed ? success(`Resumed ${label}`) : `${label} was already enabled`;
}
