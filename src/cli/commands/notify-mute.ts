import { setMuted, type MuteResult } from '../../notify/channels.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { success } from '../output.js';

export async function run(context: CommandContext, [channel, sub]: Arguments<'notify mute'>): Promise<MuteResult> {
  const { db } = await context.database();
  return setMuted(db, channel ?? '', sub ?? '', true);
}

export function render(result: MuteResult): string {
  const sub = result.subscription.name ?? `#${result.subscription.id}`;
  return success(`Channel ${result.channel} no longer hears about subscription ${sub}\n  undo: botctl notify unmute ${result.channel} ${result.subscription.name ?? result.subscription.id}`);
}
