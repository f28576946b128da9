import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/open-postgres.js';
import { homePaths } from '../../src/home.js';
import { botctl } from '../support/cli.js';
import { useTemporaryHomes } from '../support/home.js';
import { populateHome, primaryKey } from '../support/populated-home.js';
import { freePorts } from '../support/ports.js';
import { postgres, usePostgres } from '../support/postgres.js';
import { skipWithout } from '../support/tools.js';

const appTables = ['api_keys', 'bot_state', 'bot_versions', 'bots', 'nodes', 'notify_channels', 'notify_mutes', 'orders', 'paper_accounts', 'runs', 'signals', 'subscriptions'];

async function postgresQuery<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const connection = await openPostgres(url, { migrate: false, maxConnections: 1 });
  try {
    // Through open-postgres, so bigint columns come back as numbers just as the app reads them.
    const { sql } = await import('kysely');
    return (await sql<R>`${sql.raw(text)}`.execute(connection.db)).rows;
  } finally {
    await connection.close();
  }
}

async function publicTables(url: string): Promise<string[]> {
  const rows = await postgresQuery<{ name: string }>(url, `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
  return rows.map((r) => r.name);
}

describe.skipIf(skipWithout(postgres, 'botctl db copy into PostgreSQL'))('botctl db copy', () => {
  const pgServer = usePostgres();
  const newHome = useTemporaryHomes();
  let home = '';
  let counts: Record<string, number> = {};
  let url = '';
  let sqlite: SQLite.Database | undefined;

  beforeAll(async () => {
    home = newHome();
    counts = await populateHome(home, 300);
    sqlite = new SQLite(homePaths(home).database, { readonly: true });
    url = await pgServer.server.createDatabase();
  });
  afterAll(() => sqlite?.close());

  it('copies every table of a home, row for row, ids and ciphertext unchanged, and says how many rows each', async () => {
    expect(Object.keys(counts).sort()).toEqual(appTables);
    for (const table of appTables) expect(counts[table], table).toBeGreaterThan(0);

    const r = await botctl(home, ['db', 'copy', '--to', '-', '--json'], { input: `${url}\n` });
    expect(r.exitCode, r.stderr).toBe(0);
    const result = r.json as { target: { database: string }; tables: { table: string; rows: number }[]; rows: number };
    expect(Object.fromEntries(result.tables.map((t) => [t.table, t.rows]))).toEqual(counts);
    expect(result.rows).toBe(Object.values(counts).reduce((a, b) => a + b, 0));
    // Parents before children.
    const order = result.tables.map((t) => t.table);
    expect(order.indexOf('bots')).toBeLessThan(order.indexOf('subscriptions'));
    expect(order.indexOf('runs')).toBeLessThan(order.indexOf('orders'));
    expect(order.indexOf('notify_channels')).toBeLessThan(order.indexOf('notify_mutes'));

    for (const table of appTables) {
      const by = primaryKey(sqlite!, table).map((c) => `"${c}"`).join(', ');
      const source = sqlite!.prepare(`SELECT * FROM "${table}" ORDER BY ${by}`).all();
      const copied = await postgresQuery(url, `SELECT * FROM "${table}" ORDER BY ${by}`);
      expect(copied, table).toEqual(source);
    }
    // The encrypted columns really are ciphertext (no clear secret anywhere), and identical on both sides.
    const keys = await postgresQuery<{ encrypted_payload: string }>(url, 'SELECT encrypted_payload FROM api_keys');
    expect(keys[0]?.encrypted_payload).not.toMatch(/copy-SECRET|copy-APIKEY/);
  });

  it('sets each sequence past the copied ids (and past deleted ones): the next insert gets the next id', async () => {
    const maxRun = (sqlite!.prepare('SELECT max(id) AS m FROM runs').get() as { m: number }).m;
    const sequence = (sqlite!.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'runs'`).get() as { seq: number }).seq;
    expect(sequence).toBe(maxRun + 1); // the newest run was deleted
    const [run] = await postgresQuery<{ id: number }>(url, `INSERT INTO runs (subscription_id, scheduled_for, started_at, status) SELECT min(id), 'after-copy', 'x', 'running' FROM subscriptions RETURNING id`);
    expect(run?.id).toBe(sequence + 1);
    const maxBot = (sqlite!.prepare('SELECT max(id) AS m FROM bots').get() as { m: number }).m;
    const [bot] = await postgresQuery<{ id: number }>(url, `INSERT INTO bots (name, developer_id, kind, code_path, exchange_type) VALUES ('after', 'd', 'template', 'x', 'binance') RETURNING id`);
    expect(bot?.id).toBe(maxBot + 1);
    await postgresQuery(url, `DELETE FROM runs WHERE scheduled_for = 'after-copy'; DELETE FROM bots WHERE name = 'after'`);
  });

  it('refuses a target that is not empty, naming what it found, and writes nothing', async () => {
    const before = await postgresQuery<{ n: number }>(url, 'SELECT count(*) AS n FROM runs');
    const r = await botctl(home, ['db', 'copy', '--to', '-'], { input: url });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('not empty');
    expect(r.stderr).toMatch(new RegExp(`runs: ${counts.runs} rows`));
    expect(await postgresQuery<{ n: number }>(url, 'SELECT count(*) AS n FROM runs')).toEqual(before);

    // A database holding someone else's table is not empty either; our schema is not added beside it.
    const other = await pgServer.server.createDatabase();
    await postgresQuery(other, 'CREATE TABLE invoices (id int); INSERT INTO invoices VALUES (1)');
    const o = await botctl(home, ['db', 'copy', '--to', '-', '--json'], { input: other });
    expect(o.exitCode).toBe(2);
    expect(JSON.parse(o.stderr).error.message).toContain('table invoices');
    expect(await publicTables(other)).toEqual(['invoices']);
  });

  it('leaves the target empty when the copy fails part-way (one transaction)', async () => {
    const broken = newHome();
    const brokenUrl = await pgServer.server.createDatabase();
    await botctl(broken, ['create', '--template', 'simple_sma_bot', '--name', 'a']);
    await botctl(broken, ['subscribe', 'a', '--pair', 'BTC/USDT', '--schedule', '* * * * *']);
    const db = new SQLite(homePaths(broken).database);
    try {
      const run = db.prepare(`INSERT INTO runs (subscription_id, scheduled_for, started_at, status) VALUES (1, 't', 't', 'succeeded')`).run();
      // A bot may print a NUL; SQLite stores it, PostgreSQL's text cannot. signals is copied after bots, runs, ….
      db.prepare(`INSERT INTO signals (run_id, subscription_id, symbol, action, payload) VALUES (?, 1, 'BTC/USDT', 'buy', ?)`).run(run.lastInsertRowid, 'a\u0000b');
    } finally {
      db.close();
    }
    const r = await botctl(broken, ['db', 'copy', '--to', '-'], { input: brokenUrl });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/copying signals: row id 1 has a NUL character \(U\+0000\) in payload/);
    expect(r.stderr).toContain('nothing was written');
    // Not even the schema: migration and copy were one transaction.
    expect(await publicTables(brokenUrl)).toEqual([]);
  });

  it('takes the URL from BOTCTL_DATABASE_URL too, and never prints a password', async () => {
    const target = await pgServer.server.createDatabase();
    // Trust authentication ignores the password, so the copy goes through with it in the URL.
    const withPassword = target.replace('postgres@', 'postgres:s3cr3t-pw@');
    const r = await botctl(home, ['db', 'copy', '--json'], { env: { BOTCTL_DATABASE_URL: withPassword } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toContain('s3cr3t-pw');
    expect((r.json as { target: unknown }).target).toEqual({ server: `127.0.0.1:${pgServer.server.port}`, database: target.split('/').pop(), user: 'postgres' });

    // In argv, a password is refused before anything connects, and the message shows it masked.
    const argv = await botctl(home, ['db', 'copy', '--to', withPassword]);
    expect(argv.exitCode).toBe(2);
    expect(argv.stderr).toContain('postgres://postgres:***@');
    expect(argv.stderr).toContain('--to -');
    expect(argv.stderr).not.toContain('s3cr3t-pw');
  });

  it('refuses a bad URL with exit 2 naming the field, and an unreachable server with exit 1 naming it', async () => {
    const cases: [string[], Record<string, string>, string, RegExp][] = [
      [['--to', 'mysql://u@127.0.0.1/db'], {}, '', /scheme postgres:\/\/ or postgresql:\/\/ in --to, got "mysql"/],
      [['--to', 'postgres://u@127.0.0.1:5432'], {}, '', /database name in --to/],
      [['--to', '-'], {}, '', /PostgreSQL URL in --to - \(stdin\).*got nothing/],
      [['--to', '-'], {}, 'not a url', /--to - \(stdin\).*"not a url", which is not a URL/],
      [['--to', 'postgres:///db'], {}, '', /host in --to/],
      [[], { BOTCTL_DATABASE_URL: 'postgres://u:pw@127.0.0.1:5432/' }, '', /database name in BOTCTL_DATABASE_URL.*postgres:\/\/u:\*\*\*@127/],
      [[], {}, '', /Expected the target database: --to -/],
    ];
    // A home without a database (a mistyped --home) has nothing to copy; it is not created.
    const empty = newHome();
    const none = await botctl(empty, ['db', 'copy', '--to', '-'], { input: url });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain(`Expected an SQLite database to copy at ${homePaths(empty).database}`);
    for (const [args, env, input, message] of cases) {
      const r = await botctl(home, ['db', 'copy', ...args], { env, input });
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain(':pw@');
    }
    const [port] = await freePorts(1);
    const down = await botctl(home, ['db', 'copy', '--to', '-'], { input: `postgres://postgres@127.0.0.1:${port}/x` });
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toContain(`PostgreSQL at 127.0.0.1:${port}, database x`);
    expect(down.stderr).toMatch(/start PostgreSQL on 127\.0\.0\.1:\d+/);
  });
});
