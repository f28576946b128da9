import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

  await db.schema
    .createTable('bots')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
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
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('bot_id', 'integer', (c) => c.notNull().references('bots.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('code_path', 'text', (c) => c.notNull())
    .addColumn('bundle_path', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('bundle_sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('bundle_size', 'integer', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('bot_versions_bot_version', ['bot_id', 'version'])
    .execute();

  await db.schema
    .createTable('subscriptions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('bot_id', 'integer', (c) => c.notNull().references('bots.id').onDelete('cascade'))
    .addColumn('user_principal_id', 'text', (c) => c.notNull())
    .addColumn('trading_pair', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text')
    .addColumn('execution_config', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('risk_config', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('paper', 'testnet', 'live')`))
    .addColumn('key_name', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('paused_reason', 'text')
    .addColumn('pinned_version', 'integer')
    .addColumn('timeout_ms', 'integer')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('subscriptions_bot').on('subscriptions').column('bot_id').execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('subscription_id', 'integer', (c) => c.notNull().references('subscriptions.id').onDelete('cascade'))
    .addColumn('scheduled_for', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('running', 'succeeded', 'failed', 'timed_out', 'crashed', 'skipped', 'abandoned')`),
    )
    .addColumn('exit_code', 'integer')
    .addColumn('signal', 'text')
    .addColumn('error', 'text')
    .addColumn('code_sha256', 'text')
    .addColumn('log_tail', 'text')
    .addColumn('daemon_pid', 'integer')
    .addColumn('child_pid', 'integer')
    .addUniqueConstraint('runs_subscription_slot', ['subscription_id', 'scheduled_for'])
    .execute();
  await db.schema.createIndex('runs_status').on('runs').column('status').execute();

  await db.schema
    .createTable('bot_state')
    .addColumn('subscription_id', 'integer', (c) =>
      c.primaryKey().references('subscriptions.id').onDelete('cascade'),
    )
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('signals')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('subscription_id', 'integer', (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('subscription_id', 'integer', (c) => c.notNull())
    .addColumn('exchange_order_id', 'text')
    .addColumn('client_order_id', 'text', (c) => c.notNull().unique())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('amount', 'real', (c) => c.notNull())
    .addColumn('price', 'real')
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
    .addColumn('subscription_id', 'integer', (c) =>
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
