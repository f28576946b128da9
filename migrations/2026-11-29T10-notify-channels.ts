import { sql, type Kysely } from 'kysely';
import { dialectSql } from '../src/db/dialect-sql.js';

// Notification channels (`botctl notify add`): a webhook or a Telegram chat. Where a channel sends and how it
// signs (webhook URL and HMAC secret, Telegram bot token and chat id) is one AES-256-GCM payload under the
// master key, like api_keys; `target` is what listings show (a webhook's origin, never its path or query).
// `events` is the channel's filter, a comma list of event kinds. A mute silences one subscription on one
// channel; both rows go with the channel or the subscription.
// Frozen in time: never edit once landed; add a new migration instead. (Types, ids and the time default come
// from src/db/dialect-sql.ts so PostgreSQL gets the same schema; on SQLite they are the text this file always had.)
export async function up(db: Kysely<any>): Promise<void> {
  const t = dialectSql(db);
  const now = t.now;
  await db.schema
    .createTable('notify_channels')
    .addColumn('id', t.integer, t.id)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('webhook', 'telegram')`))
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('encrypted_payload', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createTable('notify_mutes')
    .addColumn('channel_id', t.integer, (c) => c.notNull().references('notify_channels.id').onDelete('cascade'))
    .addColumn('subscription_id', t.integer, (c) => c.notNull().references('subscriptions.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('notify_mutes_pk', ['channel_id', 'subscription_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notify_mutes').execute();
  await db.schema.dropTable('notify_channels').execute();
}
