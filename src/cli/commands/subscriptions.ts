import { findBot } from '../../bots/find-bot.js';
import { listSubscriptions, type SubscriptionListing } from '../../subscriptions/list-subscriptions.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { status, table } from '../output.js';

export async function run(context: CommandContext, _args: Arguments<'subscriptions'>, options: Options<'subscriptions'>): Promise<SubscriptionListing[]> {
  const { db } = await context.database();
  const botId = options.bot === undefined ? undefined : (await findBot(db, options.bot)).id;
  return listSubscriptions(db, botId === undefined ? {} : { botId });
}

export function render(rows: SubscriptionListing[]): string {
  if (rows.length === 0) return 'No subscriptions.\n  next: botctl subscribe BOT --pair BTC/USDT:USDT --schedule "*/15 * * * *"';
  return table(
    [
      { head: 'id', align: 'right' },
      { head: 'name', flexible: true },
      { head: 'bot', flexible: true },
      { head: 'pair', flexible: true },
      { head: 'schedule', flexible: true },
      { head: 'mode', flexible: true },
      { head: 'enabled', flexible: true },
      'last run',
    ],
    rows.map((s) => [
      s.id,
      s.name,
      s.bot,
      s.trading_pair,
      s.timezone === 'UTC' ? s.schedule : `${s.schedule} (${s.timezone})`,
      s.key_name ? `${s.mode} (${s.key_name})` : s.mode,
      status(s.enabled ? 'yes' : `paused${s.paused_reason ? `: ${s.paused_reason}` : ''}`),
      s.last_run_status ? status(s.last_run_status) : '-',
    ]),
  );
}
