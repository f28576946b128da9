import { setMuted, type MuteResult } from '../../notify/channels.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { success } from '../output.js';

export async function run(context: CommandContext, [channel, sub]: Arguments<'notify unmute'>): Promise<MuteResult> {
  const { db } = await context.database();
  return setMuted(db, channel ?? '', sub ?? '', false);
}

export function render(result: MuteResult): string {
  return success(`Channel ${result.channel} hears about subscription ${result.subscription.name ?? `#${result.subscription.id}`} again`);
}
