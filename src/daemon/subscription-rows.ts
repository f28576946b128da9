// The rows an execution starts from: the subscription as it is now, and its bot. Typed by the schema through
// kysely (no casts), portable SQL; the run table's own SQL is the ledger's (ledger.ts).
import type { Kysely } from 'kysely';
import type { Bot, Database, Subscription } from '../db/schema.js';

export function readSubscription(db: Kysely<Database>, id: number): Promise<Subscription | undefined> {
  return db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

export function readBot(db: Kysely<Database>, id: number): Promise<Bot | undefined> {
  return db.selectFrom('bots').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One enabled subscription per bot and pinned version: what start-up builds ahead of the first slot. */
export function oneSubscriptionPerCode(db: Kysely<Database>): Promise<Subscription[]> {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('id', 'in', db.selectFrom('subscriptions').select((eb) => eb.fn.min<number>('id').as('id')).where('enabled', '=', 1).groupBy(['bot_id', 'pinned_version']))
    .execute();
}

/** The enabled subscriptions' schedules: what the scheduler loads and reloads. */
export function enabledSchedules(db: Kysely<Database>): Promise<{ id: number; schedule: string; timezone: string | null; created_at: string }[]> {
  return db.selectFrom('subscriptions').select(['id', 'schedule', 'timezone', 'created_at']).where('enabled', '=', 1).execute();
}
