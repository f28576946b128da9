import { createSubscription } from '../../subscriptions/create-subscription.js';
import { subscriptionSummary, type SubscriptionSummary } from '../../subscriptions/list-subscriptions.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { readJsonOption } from '../json-option.js';
import { keyValues, success } from '../output.js';

export interface SubscribedResult extends SubscriptionSummary {
  /** The bot's config as stored: parsed by its schema, defaults applied. */
  execution_config: unknown;
  risk_config: unknown;
  /** The next three fire times (ISO 8601, UTC). */
  next_runs: string[];
  /** Custom bots: the version it is pinned to; null follows the newest upload. */
  pinned_version: number | null;
}

export async function run(context: CommandContext, [bot]: Arguments<'subscribe'>, options: Options<'subscribe'>): Promise<SubscribedResult> {
  // Both documents are read and parsed before the database is even opened.
  const config = readJsonOption('--config', options.config);
  const risk = readJsonOption('--risk', options.risk);
  const { db } = await context.database();
  const created = await createSubscription(db, context.home, {
    bot: bot ?? '',
    pair: options.pair,
    schedule: options.schedule,
    config,
    risk,
    mode: options.mode,
    key: options.key,
    user: options.user,
    timezone: options.timezone,
    name: options.name,
    version: options.version,
  });
  const s = created.subscription;
  return {
    ...subscriptionSummary(s, created.bot.name),
    execution_config: JSON.parse(s.execution_config) as unknown,
    risk_config: JSON.parse(s.risk_config) as unknown,
    next_runs: created.nextRuns.map((d) => d.toISOString()),
    pinned_version: s.pinned_version,
  };
}

export function render(s: SubscribedResult): string {
  const when = (iso: string) => {
    const date = new Date(iso);
    const local = new Intl.DateTimeFormat('sv-SE', { timeZone: s.timezone, dateStyle: 'short', timeStyle: 'short' }).format(date);
    return s.timezone === 'UTC' ? `${local} UTC` : `${local} ${s.timezone} (${iso.slice(11, 16)} UTC)`;
  };
  return [
    success(`Subscribed ${s.bot} to ${s.trading_pair} in ${s.mode} mode: subscription ${s.id} (${s.name ?? 'unnamed'})`),
    keyValues([
      ['schedule', `${s.schedule} (${s.timezone})`],
      ['next runs', s.next_runs.map(when).join(', ')],
      ['config', JSON.stringify(s.execution_config)],
      ['risk', JSON.stringify(s.risk_config)],
      ['key', s.key_name ?? (s.mode === 'paper' ? '(none: paper trading)' : '')],
    ]),
    `next: botd start   (or botctl pause ${s.name ?? s.id})`,
  ].join('\n');
}
