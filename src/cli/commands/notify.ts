import { listChannels, type ChannelListing } from '../../notify/channels.js';
import type { CommandContext } from '../context.js';
import { table } from '../output.js';

// Names, kinds, targets and filters only: a listing never decrypts anything.
export async function run(context: CommandContext): Promise<ChannelListing[]> {
  const { db } = await context.database();
  return listChannels(db);
}

export function render(channels: ChannelListing[]): string {
  if (channels.length === 0) {
    return 'No notification channels.\n  next: botctl notify add NAME --telegram   (bot token and chat id on stdin)\n        botctl notify add NAME --webhook URL   (signing secret on stdin)';
  }
  return table(['name', 'kind', 'target', 'events', 'muted', 'created'], channels.map((c) => [c.name, c.kind, c.target, c.events.join(','), c.muted.join(', '), c.created_at]));
}
