import { pinSubscription } from '../../bots/versions.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { success } from '../output.js';

export interface PinResult {
  id: number;
  name: string | null;
  bot_id: number;
  bot: string;
  /** null: follows the newest version. */
  pinned_version: number | null;
  /** The version its next run uses. */
  runs_version: number;
}

export async function run(context: CommandContext, [subscription, version]: Arguments<'pin'>): Promise<PinResult> {
  const { db } = await context.database();
  const pinned = await pinSubscription(db, subscription ?? '', version ?? '');
  return {
    id: pinned.subscription.id,
    name: pinned.subscription.name,
    bot_id: pinned.bot.id,
    bot: pinned.bot.name,
    pinned_version: pinned.pinned,
    runs_version: pinned.runs,
  };
}

export function render(p: PinResult): string {
  const who = `subscription ${p.name ?? p.id}`;
  return p.pinned_version === null
    ? success(`${who} follows the newest version of ${p.bot} (now v${p.runs_version}) from its next run`)
    : success(`${who} pinned to ${p.bot} v${p.pinned_version} from its next run`);
}
