// A home that holds a row in every table, made the way an operator makes one: bots, subscriptions, an API key
// and a notification channel through the real botctl (so secrets are really encrypted under the home's
// master key), then a run history with orders, signals, bot state and paper accounts written straight to
// the database (running bots for real would only make this slower, not different).
import type SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { openSqlite } from '../../src/db/open.js';
import { botctlOk as ok } from './cli.js';

/** Fills `home` with `runs` runs (every third with an order and a signal); returns the source's row counts. */
export async function populateHome(home: string, runs: number): Promise<Record<string, number>> {
  await ok(home, ['create', '--template', 'simple_sma_bot', '--name', 'alpha']);
  await ok(home, ['create', '--template', 'binance_signals_bot', '--name', 'beta', '--description', 'quotes \' and "double", ünïcode ✓']);
  await ok(home, ['keys', 'add', 'k1', '--exchange', 'binanceusdm'], 'copy-APIKEY\ncopy-SECRET-value\n');
  await ok(home, ['subscribe', 'alpha', '--pair', 'BTC/USDT:USDT', '--schedule', '* * * * *']);
  await ok(home, ['subscribe', 'beta', '--pair', 'ETH/USDT:USDT', '--schedule', '*/5 * * * *', '--mode', 'testnet', '--key', 'k1', '--name', 'beta-eth']);
  await ok(home, ['notify', 'add', 'ops', '--webhook', 'http://127.0.0.1:9/hook'], 'webhook-signing-secret\n');
  await ok(home, ['notify', 'mute', 'ops', 'beta-eth']);
  const connection = await openSqlite(home);
  try {
    await writeHistory(connection.db as Kysely<any>, runs);
    return rowCounts(connection.sqlite);
  } finally {
    await connection.close();
  }
}

async function writeHistory(db: Kysely<any>, runs: number): Promise<void> {
  const subscriptions = (await db.selectFrom('subscriptions').select('id').orderBy('id').execute()) as { id: number }[];
  const bot = (await db.selectFrom('bots').select('id').orderBy('id').executeTakeFirstOrThrow()) as { id: number };
  await db.insertInto('bot_versions').values({ bot_id: bot.id, version: 1, code_path: 'bots/default/1/v1/a.ts', bundle_path: 'bots/default/1/v1/a.mjs', sha256: 'a'.repeat(64), bundle_sha256: 'b'.repeat(64), size: 123, bundle_size: 456, file_name: 'a.ts' }).execute();
  // A botd that ran on this home and stopped: its node row (src/fleet/fleet.ts), and its runs name it.
  const node = (await db.insertInto('nodes').values({ name: 'host-a', host: 'host-a', pid: 4242, started_at: '2026-10-31T23:59:00.000Z', heartbeat_at: '2026-11-02T00:00:00.000Z', lease_until: '2026-11-02T00:00:15.000Z', stopped_at: '2026-11-02T00:00:01.000Z', stop_reason: 'stopped: SIGTERM', code_digest: '{"simple_sma_bot.ts":"0123456789abcdef"}' }).returning('id').executeTakeFirstOrThrow()) as { id: number };
  const start = Date.parse('2026-11-01T00:00:00.000Z');
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < runs; i++) {
      const subscription = subscriptions[i % subscriptions.length]!.id;
      const at = new Date(start + i * 60_000).toISOString();
      const status = ['succeeded', 'failed', 'skipped', 'timed_out'][i % 4]!;
      const run = (await trx.insertInto('runs').values({ subscription_id: subscription, scheduled_for: at, started_at: at, finished_at: at, status, exit_code: status === 'failed' ? 1 : 0, signal: null, error: status === 'failed' ? `Error: boom ${i}\n    at run (bot.ts:3:9)` : null, code_sha256: 'c'.repeat(64), log_tail: `line ${i}\n\ttabbed ✓`, daemon_pid: 4242, child_pid: 5000 + i, node_id: node.id }).returning('id').executeTakeFirstOrThrow()) as { id: number };
      if (i % 3 !== 0) continue;
      await trx.insertInto('orders').values({ run_id: run.id, subscription_id: subscription, exchange_order_id: i % 2 ? null : `x${i}`, client_order_id: `c-${i}`, symbol: 'BTC/USDT:USDT', side: i % 2 ? 'buy' : 'sell', type: 'market', amount: 0.001 * (i + 1) + 1e-12, price: i % 2 ? null : 98765.4321 + i / 7, status: 'filled', mode: 'paper' }).execute();
      await trx.insertInto('signals').values({ run_id: run.id, subscription_id: subscription, symbol: 'BTC/USDT:USDT', action: 'buy', payload: JSON.stringify({ i, reason: 'cross' }) }).execute();
    }
  });
  for (const { id } of subscriptions) {
    await db.insertInto('bot_state').values({ subscription_id: id, state: JSON.stringify({ last: id }), updated_at: '2026-11-02T00:00:00.000Z' }).execute();
    await db.insertInto('paper_accounts').values({ subscription_id: id, balances: '{"USDT":10000}', positions: '{}', state: '{"orders":[]}', updated_at: '2026-11-02T00:00:00.000Z' }).execute();
  }
  // The newest run deleted: SQLite's AUTOINCREMENT never hands its id out again, nor may PostgreSQL's sequence.
  await sql`DELETE FROM runs WHERE id = (SELECT max(id) FROM runs)`.execute(db);
}

/** Rows per app table. */
export function rowCounts(sqlite: SQLite.Database): Record<string, number> {
  const tables = sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE 'kysely%' ORDER BY name`).all() as { name: string }[];
  return Object.fromEntries(tables.map(({ name }) => [name, (sqlite.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]));
}

/** Primary-key columns of a table, to read both engines in one order. */
export function primaryKey(sqlite: SQLite.Database, table: string): string[] {
  return (sqlite.pragma(`table_info("${table}")`) as { name: string; pk: number }[]).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
}
