import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type PostgresConnection } from '../../src/db/open-postgres.js';
import type { Database } from '../../src/db/schema.js';
import { openTemporarySqlite } from '../support/database.js';
import { postgres, usePostgres } from '../support/postgres.js';
import { describeSchema, describeSqliteSchema } from '../support/schema-shape.js';
import { skipWithout } from '../support/tools.js';

const isoMillis = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// What every engine must refuse or keep, run against each through the same kysely code.
function behaviour(engine: () => Kysely<Database>) {
  const at = '2026-11-29T12:00:00.000Z';
  let botId = 0;
  let subscriptionId = 0;

  beforeAll(async () => {
    const db = engine();
    const bot = await db
      .insertInto('bots')
      .values({ name: 'b', developer_id: 'd', kind: 'template', template: 't', code_path: 'bot_files/t.ts', exchange_type: 'binanceusdm', description: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    botId = bot.id;
    const subscription = await db
      .insertInto('subscriptions')
      .values({ bot_id: botId, name: 'one', user_principal_id: 'u', trading_pair: 'BTC/USDT', schedule: '* * * * *', timezone: null, execution_config: '{}', risk_config: '{}', mode: 'paper', key_name: null, enabled: 1, paused_reason: null, pinned_version: null, timeout_ms: null, updated_at: at })
      .returningAll()
      .executeTakeFirstOrThrow();
    subscriptionId = subscription.id;
    // ids come back as JS numbers on both engines (PostgreSQL's bigint is parsed, see open-postgres.ts).
    expect(typeof bot.id).toBe('number');
    expect(typeof subscription.id).toBe('number');
    // The default timestamp is the text the app writes: new Date().toISOString()'s format, UTC, milliseconds.
    expect(bot.created_at).toMatch(isoMillis);
    expect(Math.abs(Date.parse(bot.created_at) - Date.now())).toBeLessThan(24 * 3600_000);
    expect(subscription.updated_at).toBe(at);
    expect(subscription.consecutive_failures).toBe(0);
  });

  it('refuses a bot kind, mode, run status or channel kind outside the check constraints', async () => {
    const db = engine();
    await expect(
      db.insertInto('bots').values({ name: 'x', developer_id: 'd', kind: 'bogus' as 'custom', template: null, code_path: 'x', exchange_type: 'x', description: null }).execute(),
    ).rejects.toThrow(/check/i);
    await expect(
      db.insertInto('subscriptions').values({ bot_id: botId, name: null, user_principal_id: 'u', trading_pair: 'BTC/USDT', schedule: '* * * * *', timezone: null, execution_config: '{}', risk_config: '{}', mode: 'demo' as 'paper', key_name: null, enabled: 1, paused_reason: null, pinned_version: null, timeout_ms: null, updated_at: at }).execute(),
    ).rejects.toThrow(/check/i);
    await expect(
      db.insertInto('runs').values({ subscription_id: subscriptionId, scheduled_for: at, started_at: at, status: 'weird' as 'failed' }).execute(),
    ).rejects.toThrow(/check/i);
    await expect(
      db.insertInto('notify_channels').values({ name: 'n', kind: 'sms' as 'webhook', target: 't', encrypted_payload: 'p', events: 'fill' }).execute(),
    ).rejects.toThrow(/check/i);
    expect(await db.selectFrom('bots').select('id').execute()).toHaveLength(1);
    expect(await db.selectFrom('runs').select('id').execute()).toHaveLength(0);
  });

  it('claims a slot once: a second run for the same (subscription, scheduled_for) is refused', async () => {
    const db = engine();
    const slot = '2026-11-29T12:01:00.000Z';
    await db.insertInto('runs').values({ subscription_id: subscriptionId, scheduled_for: slot, started_at: slot, status: 'running' }).execute();
    await expect(
      db.insertInto('runs').values({ subscription_id: subscriptionId, scheduled_for: slot, started_at: slot, status: 'running' }).execute(),
    ).rejects.toThrow(/unique/i);
    const rows = await db.selectFrom('runs').select('id').where('scheduled_for', '=', slot).execute();
    expect(rows).toHaveLength(1);
  });

  it('keeps subscription names unique where set, NULLs never clashing', async () => {
    const db = engine();
    const values = { bot_id: botId, user_principal_id: 'u', trading_pair: 'ETH/USDT', schedule: '* * * * *', timezone: null, execution_config: '{}', risk_config: '{}', mode: 'paper' as const, key_name: null, enabled: 1, paused_reason: null, pinned_version: null, timeout_ms: null, updated_at: at };
    await db.insertInto('subscriptions').values([{ ...values, name: null }, { ...values, name: null }]).execute();
    await expect(db.insertInto('subscriptions').values({ ...values, name: 'one' }).execute()).rejects.toThrow(/unique/i);
  });

  it('keeps an amount to full double precision and a 64-bit integer', async () => {
    const db = engine();
    const run = await db.insertInto('runs').values({ subscription_id: subscriptionId, scheduled_for: 'p', started_at: 'p', status: 'succeeded', daemon_pid: 2 ** 40 }).returning('id').executeTakeFirstOrThrow();
    await db
      .insertInto('orders')
      .values({ run_id: run.id, subscription_id: subscriptionId, exchange_order_id: null, client_order_id: 'c1', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.123456789012345, price: 98765.4321, status: 'filled', mode: 'paper' })
      .execute();
    const order = await db.selectFrom('orders').selectAll().where('client_order_id', '=', 'c1').executeTakeFirstOrThrow();
    expect(order.amount).toBe(0.123456789012345);
    expect(order.price).toBe(98765.4321);
    const back = await db.selectFrom('runs').select('daemon_pid').where('id', '=', run.id).executeTakeFirstOrThrow();
    expect(back.daemon_pid).toBe(2 ** 40);
  });
}

describe('schema on SQLite', () => {
  let temporary: Awaited<ReturnType<typeof openTemporarySqlite>> | undefined;
  beforeAll(async () => {
    temporary = await openTemporarySqlite();
    return () => temporary?.close();
  });
  behaviour(() => temporary!.connection.db);
});

describe.skipIf(skipWithout(postgres, 'the schema on PostgreSQL'))('schema on PostgreSQL', () => {
  const pg = usePostgres();
  let connection: PostgresConnection | undefined;
  let sqlite: Awaited<ReturnType<typeof openTemporarySqlite>> | undefined;
  beforeAll(async () => {
    connection = await openPostgres(await pg.server.createDatabase());
    sqlite = await openTemporarySqlite();
  });
  afterAll(async () => {
    await connection?.close();
    await sqlite?.close();
  });

  it('has the tables, columns (compatible types), keys, indexes and checks the SQLite schema has', async () => {
    const onSqlite = describeSqliteSchema(sqlite!.connection.sqlite);
    const onPostgres = await describeSchema(connection!.db);
    expect(Object.keys(onSqlite)).toHaveLength(12);
    expect(onPostgres).toEqual(onSqlite);
  });

  it('migrates once: opening the database again runs nothing and keeps the data', async () => {
    const url = connection!.target.url;
    await connection!.db.insertInto('api_keys').values({ name: 'k', exchange: 'binance', encrypted_payload: 'x' }).execute();
    const again = await openPostgres(url);
    try {
      const applied = await again.db.selectFrom('kysely_migration' as 'api_keys').select('name').execute();
      expect(applied.map((r) => r.name)).toEqual([
        '2026-11-23T00-initial',
        '2026-11-23T01-subscription-names',
        '2026-11-24T00-paper-account-state',
        '2026-11-29T10-notify-channels',
        '2026-11-30T00-fleet-nodes',
      ]);
      expect(await again.db.selectFrom('api_keys').select('name').execute()).toEqual([{ name: 'k' }]);
    } finally {
      await again.close();
      await connection!.db.deleteFrom('api_keys').execute();
    }
  });

  describe('behaves as SQLite does', () => {
    behaviour(() => connection!.db);
  });
});
