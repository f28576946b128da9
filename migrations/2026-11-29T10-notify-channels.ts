import { sql, type Kysely } from 'kysely';

// Notification channels (`botctl notify add`): a webhook or a Telegram chat. Where a channel sends and how it
// signs (webhook URL and HMAC secret, Telegram bot token and chat id) is one AES-256-GCM payload under the
// master key, like api_keys; `target` is what listings show (a webhook's origin, never its path or query).
// `events` is the channel's filter, a comma list of event kinds. A mute silences one subscription on one
// channel; both rows go with the channel or the subscription.
// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;
  await db.schema
    .createTable('notify_channels')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('webhook', 'telegram')`))
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('encrypted_payload', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createTable('notify_mutes')
    .addColumn('channel_id', 'integer', (c) => c.notNull().references('notify_channels.id').onDelete('cascade'))
    .addColumn('subscription_id', 'integer', (c) => c.notNull().references('subscriptions.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('notify_mutes_pk', ['channel_id', 'subscription_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notify_mutes').execute();
  await db.schema.dropTable('notify_channels').execute();
}
