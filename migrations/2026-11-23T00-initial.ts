import { sql, type Kysely } from 'kysely';
import { dialectSql } from '../src/db/dialect-sql.js';

// Frozen in time: never edit once landed; add a new migration instead. (Types, ids and the time default come
// from src/db/dialect-sql.ts so PostgreSQL gets the same schema; on SQLite they are the text this file always had.)
export async function up(db: Kysely<any>): Promise<void> {
  const t = dialectSql(db);
  const now = t.now;

  await db.schema
    .createTable('bots')
    .addColumn('id', t.integer, t.id)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('developer_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('template', 'custom')`))
    .addColumn('template', 'text')
    .addColumn('code_path', 'text', (c) => c.notNull())
    .addColumn('exchange_type', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('bots_developer_name', ['developer_id', 'name'])
    .execute();
  await db.schema.createIndex('bots_code_path').on('bots').column('code_path').execute();

  await db.schema
    .createTable('bot_versions')
    .addColumn('id', t.integer, t.id)
    .addColumn('bot_id', t.integer, (c) => c.notNull().references('bots.id').onDelete('cascade'))
    .addColumn('version', t.integer, (c) => c.notNull())
    .addColumn('code_path', 'text', (c) => c.notNull())
    .addColumn('bundle_path', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('bundle_sha256', 'text', (c) => c.notNull())
    .addColumn('size', t.integer, (c) => c.notNull())
    .addColumn('bundle_size', t.integer, (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('bot_versions_bot_version', ['bot_id', 'version'])
    .execute();

  await db.schema
    .createTable('subscriptions')
    .addColumn('id', t.integer, t.id)
    .addColumn('bot_id', t.integer, (c) => c.notNull().references('bots.id').onDelete('cascade'))
    .addColumn('user_principal_id', 'text', (c) => c.notNull())
    .addColumn('trading_pair', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text')
    .addColumn('execution_config', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('risk_config', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('paper', 'testnet', 'live')`))
    .addColumn('key_name', 'text')
    .addColumn('enabled', t.integer, (c) => c.notNull().defaultTo(1))
    .addColumn('paused_reason', 'text')
    .addColumn('pinned_version', t.integer)
    .addColumn('timeout_ms', t.integer)
    .addColumn('consecutive_failures', t.integer, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('subscriptions_bot').on('subscriptions').column('bot_id').execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', t.integer, t.id)
    .addColumn('subscription_id', t.integer, (c) => c.notNull().references('subscriptions.id').onDelete('cascade'))
    .addColumn('scheduled_for', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('running', 'succeeded', 'failed', 'timed_out', 'crashed', 'skipped', 'abandoned')`),
    )
    .addColumn('exit_code', t.integer)
    .addColumn('signal', 'text')
    .addColumn('error', 'text')
    .addColumn('code_sha256', 'text')
    .addColumn('log_tail', 'text')
    .addColumn('daemon_pid', t.integer)
    .addColumn('child_pid', t.integer)
    .addUniqueConstraint('runs_subscription_slot', ['subscription_id', 'scheduled_for'])
    .execute();
  await db.schema.createIndex('runs_status').on('runs').column('status').execute();

  await db.schema
    .createTable('bot_state')
    .addColumn('subscription_id', t.integer, (c) =>
      c.primaryKey().references('subscriptions.id').onDelete('cascade'),
    )
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('signals')
    .addColumn('id', t.integer, t.id)
    .addColumn('run_id', t.integer, (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('subscription_id', t.integer, (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', t.integer, t.id)
    .addColumn('run_id', t.integer, (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('subscription_id', t.integer, (c) => c.notNull())
    .addColumn('exchange_order_id', 'text')
    .addColumn('client_order_id', 'text', (c) => c.notNull().unique())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('amount', t.real, (c) => c.notNull())
    .addColumn('price', t.real)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('exchange', 'text', (c) => c.notNull())
    .addColumn('encrypted_payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('paper_accounts')
    .addColumn('subscription_id', t.integer, (c) =>
      c.primaryKey().references('subscriptions.id').onDelete('cascade'),
    )
    .addColumn('balances', 'text', (c) => c.notNull())
    .addColumn('positions', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['paper_accounts', 'api_keys', 'orders', 'signals', 'bot_state', 'runs', 'subscriptions', 'bot_versions', 'bots']) {
    await db.schema.dropTable(table).execute();
  }
}
