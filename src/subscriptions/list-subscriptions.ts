import type { Kysely } from 'kysely';
import type { Database, Mode, RunStatus, Subscription } from '../db/schema.js';

/** What every view of a subscription starts with (`botctl subscriptions`, `show`, `subscribe`'s answer). */
export interface SubscriptionSummary {
  id: number;
  name: string | null;
  bot_id: number;
  bot: string;
  user: string;
  trading_pair: string;
  schedule: string;
  timezone: string;
  mode: Mode;
  key_name: string | null;
  enabled: boolean;
}

type SummaryColumns = Pick<Subscription, 'id' | 'name' | 'bot_id' | 'user_principal_id' | 'trading_pair' | 'schedule' | 'timezone' | 'mode' | 'key_name' | 'enabled'>;

/** A subscription row and its bot's name as shown: no timezone means UTC, enabled as a boolean. */
export function subscriptionSummary(s: SummaryColumns, bot: string): SubscriptionSummary {
  return {
    id: s.id,
    name: s.name,
    bot_id: s.bot_id,
    bot,
    user: s.user_principal_id,
    trading_pair: s.trading_pair,
    schedule: s.schedule,
    timezone: s.timezone ?? 'UTC',
    mode: s.mode,
    key_name: s.key_name,
    enabled: s.enabled === 1,
  };
}

export interface SubscriptionListing extends SubscriptionSummary {
  paused_reason: string | null;
  /** Status of the latest run (highest run id), null before the first run. */
  last_run_status: RunStatus | null;
}

export async function listSubscriptions(db: Kysely<Database>, filter: { botId?: number } = {}): Promise<SubscriptionListing[]> {
  let query = db
    .selectFrom('subscriptions as s')
    .innerJoin('bots as b', 'b.id', 's.bot_id')
    .select((eb) => [
      's.id',
      's.name',
      's.bot_id',
      'b.name as bot_name',
      's.user_principal_id',
      's.trading_pair',
      's.schedule',
      's.timezone',
      's.mode',
      's.key_name',
      's.enabled',
      's.paused_reason',
      eb
        .selectFrom('runs as r')
        .select('r.status')
        .whereRef('r.subscription_id', '=', 's.id')
        .orderBy('r.id', 'desc')
        .limit(1)
        .as('last_run_status'),
    ])
    .orderBy('s.id');
  if (filter.botId !== undefined) query = query.where('s.bot_id', '=', filter.botId);
  const rows = await query.execute();
  return rows.map((r) => ({ ...subscriptionSummary(r, r.bot_name), paused_reason: r.paused_reason, last_run_status: r.last_run_status ?? null }));
}
