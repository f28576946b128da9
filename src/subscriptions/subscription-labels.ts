// What listings show beside a subscription id: its name, and the exchange its bot trades on (for prices).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface SubscriptionLabel {
  name: string | null;
  exchange: string;
}

/** Labels of the given subscriptions; ids with no row (removed meanwhile) are absent. */
export async function subscriptionLabels(db: Kysely<Database>, ids: Iterable<number>): Promise<Map<number, SubscriptionLabel>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .selectFrom('subscriptions')
    .innerJoin('bots', 'bots.id', 'subscriptions.bot_id')
    .select(['subscriptions.id as id', 'subscriptions.name as name', 'bots.exchange_type as exchange'])
    .where('subscriptions.id', 'in', unique)
    .execute();
  return new Map(rows.map((r) => [r.id, { name: r.name, exchange: r.exchange }]));
}
