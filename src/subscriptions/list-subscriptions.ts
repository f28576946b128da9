import type { Kysely } from 'kysely';
import type { Database, Mode, RunStatus } from '../db/schema.js';

export interface SubscriptionListing {
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
      'b.name as bot',
      's.user_principal_id as user',
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
  return rows.map((r) => ({ ...r, timezone: r.timezone ?? 'UTC', enabled: r.enabled === 1, last_run_status: r.last_run_status ?? null }));
}
