// Issue 12, the fleet on PostgreSQL:
//   1. the database work of one run (the runner's reads, the claim, the state, the child's pid, the finish), on the
//      home's SQLite and on a real PostgreSQL on this host: wall time per run, and PostgreSQL round trips per run;
//   2. runs per minute one botd node sustains against three nodes sharing the same PostgreSQL on this host (they
//      share its two cores), with 1,000 no-op subscriptions every minute, more than one host can run;
//   3. a capacity model for 100,000 subscriptions across 20 nodes, computed from (1) and from a measured full
//      schedule read of 100,000 subscriptions: database queries per second, lease traffic, LISTEN/NOTIFY fan-out.
// Needs PostgreSQL's binaries (Debian's postgresql package, or POSTGRES_BIN); without them it says so and stops.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { defaultHeartbeatMs } from '../src/fleet/fleet.js';
import { openDatabase, type Connection } from '../src/db/open.js';
import { parsePostgresUrl } from '../src/db/postgres-url.js';
import type { Database } from '../src/db/schema.js';
import { claimRun, finishRun, loadState, recordChildPid, runningRuns } from '../src/daemon/ledger.js';
import { enabledSchedules, readBot, readSubscription } from '../src/daemon/subscription-rows.js';
import { debianBinDir, startPostgresServer, type PostgresServer } from '../scripts/postgres-server.js';
import { clockTicks, machineBusyTicks, noopBot, round, sleep, startBotd } from './daemon.bench.js';
import type { BenchRow } from './index.js';

const ledgerRuns = 1_000;
const loadSubscriptions = 1_000;
const periodMs = 60_000;
const windowSlots = 2;
const modelSubscriptions = 100_000;
const modelNodes = 20;

export async function run(): Promise<BenchRow[]> {
  const bin = process.env.POSTGRES_BIN ?? debianBinDir();
  if (!bin) return [{ name: 'fleet bench: no PostgreSQL binaries (apt-get install postgresql, or POSTGRES_BIN)', value: 0, unit: '', target: 'needs PostgreSQL', pass: false }];
  const root = mkdtempSync(join(tmpdir(), 'botd-fleet-'));
  const server = await startPostgresServer(bin);
  const rows: BenchRow[] = [{ name: `1-minute load average at start (${cpus().length} CPUs; shared machine)`, value: round(loadavg()[0] ?? 0), unit: '', target: 'context', pass: true }];
  try {
    const ledger = await ledgerWork(root, server);
    rows.push(...ledger.rows);
    rows.push(...(await sustainedRuns(root, server)));
    rows.push(...(await capacityModel(server, ledger.roundTripsPerRun, ledger.postgresMsPerRun)));
    return rows;
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

// PostgreSQL round trips, counted where every query leaves: pg's Client.query (kysely's driver calls it once per
// statement, BEGIN and COMMIT included).
let roundTrips = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  roundTrips++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

async function seedSubscriptions(db: Kysely<Database>, count: number, schedule: string): Promise<number[]> {
  const bot = await db
    .insertInto('bots')
    .values({ name: `noop-${Date.now()}-${Math.random()}`, developer_id: 'bench', kind: 'template', template: 'bench_noop', code_path: 'bot_files/bench_noop.ts', exchange_type: 'binanceusdm', description: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const now = new Date().toISOString();
  const ids: number[] = [];
  for (let from = 0; from < count; from += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, count - from) }, () => ({
      bot_id: bot.id, user_principal_id: 'bench', trading_pair: 'BTC/USDT', schedule, timezone: 'UTC', execution_config: '{}', risk_config: '{}',
      mode: 'paper' as const, key_name: null, enabled: 1, paused_reason: null, pinned_version: null, timeout_ms: null, created_at: now, updated_at: now,
    }));
    ids.push(...(await db.insertInto('subscriptions').values(batch as never).returning('id').execute()).map((r) => r.id));
  }
  return ids;
}

/** The database work of `ledgerRuns` runs, one after another, as runner.ts does it for each. */
async function perRun(connection: Connection, subscriptions: number[]): Promise<number> {
  const { db } = connection;
  const started = process.hrtime.bigint();
  for (let i = 0; i < ledgerRuns; i++) {
    const id = subscriptions[i % subscriptions.length]!;
    const subscription = (await readSubscription(db, id))!;
    await readBot(db, subscription.bot_id);
    await runningRuns(db, id);
    const runId = (await claimRun(db, { subscriptionId: id, scheduledFor: new Date(Date.UTC(2030, 0, 1) + i * periodMs).toISOString(), codeSha256: 'a'.repeat(64), daemonPid: process.pid, nodeId: 1 }))!;
    await loadState(db, id);
    await recordChildPid(db, runId, 4242);
    await finishRun(db, { runId, subscriptionId: id, status: 'succeeded', exitCode: 0, signal: null, error: null, logTail: 'ok', state: { i }, signals: [], maxConsecutiveFailures: 5 });
  }
  return Number(process.hrtime.bigint() - started) / 1e6 / ledgerRuns;
}

async function ledgerWork(root: string, server: PostgresServer) {
  const sqlite = await openDatabase(join(root, 'ledger-home'));
  const postgres = await openDatabase('/nonexistent', { url: parsePostgresUrl(await server.createDatabase('ledger'), 'bench') });
  try {
    const sqliteSubs = await seedSubscriptions(sqlite.db, 100, '* * * * *');
    const postgresSubs = await seedSubscriptions(postgres.db, 100, '* * * * *');
    // One warm-up pass each (statement caches, the pool's connections), then the measured one.
    await perRun(sqlite, sqliteSubs);
    await perRun(postgres, postgresSubs);
    const sqliteMs = await perRun(sqlite, sqliteSubs);
    const before = roundTrips;
    const postgresMs = await perRun(postgres, postgresSubs);
    const roundTripsPerRun = (roundTrips - before) / ledgerRuns;
    return {
      roundTripsPerRun,
      postgresMsPerRun: postgresMs,
      rows: [
        { name: `a run's database work on SQLite (${ledgerRuns} runs, warm)`, value: round(sqliteMs * 1000), unit: 'µs/run', target: 'baseline', pass: true },
        { name: `a run's database work on PostgreSQL, same host (${ledgerRuns} runs, warm)`, value: round(postgresMs * 1000), unit: 'µs/run', target: 'see ratio', pass: true },
        { name: '  PostgreSQL / SQLite', value: round(postgresMs / sqliteMs), unit: 'x', target: 'context', pass: true },
        { name: '  PostgreSQL round trips per run (BEGIN and COMMIT included)', value: round(roundTripsPerRun), unit: '', target: 'context', pass: true },
        // A no-op run's child costs ~40 ms of wall (daemon bench): the database's share of a run.
        { name: '  PostgreSQL work as a share of a 40 ms no-op run', value: round((postgresMs / 40) * 100), unit: '%', target: '< 25 %', pass: postgresMs / 40 < 0.25 },
      ] satisfies BenchRow[],
    };
  } finally {
    await sqlite.close();
    await postgres.close();
  }
}

// One node, then three, each with its own home on the same PostgreSQL and the same shared object folder; 1,000
// no-op subscriptions every minute. Counted: runs that succeeded in the `windowSlots` minutes after the first full
// slot, and how busy the machine was meanwhile (/proc/stat: all of it, children and sandbox included).
async function sustainedRuns(root: string, server: PostgresServer): Promise<BenchRow[]> {
  const templates = join(root, 'templates');
  mkdirSync(templates);
  writeFileSync(join(templates, 'bench_noop.ts'), noopBot(false));
  const rows: BenchRow[] = [];
  const rates: number[] = [];
  for (const count of [1, 3]) {
    const url = await server.createDatabase(`load_${count}`);
    const connection = await openDatabase('/nonexistent', { url: parsePostgresUrl(url, 'bench') });
    await seedSubscriptions(connection.db, loadSubscriptions, '* * * * *');
    const env = { BOTCTL_DATABASE_URL: url, BOTCTL_OBJECTS_DIR: join(root, `objects-${count}`) };
    const nodes = Array.from({ length: count }, (_, i) => startBotd(join(root, `home-${count}-${i}`), templates, ['--node-name', `n${i + 1}`], env));
    try {
      for (const node of nodes) await node.waitFor('botd started');
      const first = Math.ceil((Date.now() + 5_000) / periodMs) * periodMs;
      const end = first + windowSlots * periodMs;
      await sleep(first - Date.now());
      const busyBefore = machineBusyTicks();
      await sleep(end - Date.now());
      const busy = ((machineBusyTicks() - busyBefore) / clockTicks()) * 1000 / (end - first) / cpus().length;
      const done = await connection.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'succeeded')
        .where('started_at', '>=', new Date(first).toISOString()).where('started_at', '<', new Date(end).toISOString()).executeTakeFirstOrThrow();
      const perMinute = Number(done.n) / windowSlots;
      rates.push(perMinute);
      rows.push(
        { name: `${count} node${count === 1 ? '' : 's'} on one PostgreSQL, ${loadSubscriptions} subs/min: runs done`, value: round(perMinute), unit: 'runs/min', target: count === 1 ? 'baseline' : 'context', pass: true },
        { name: `  machine CPU busy meanwhile (${cpus().length} cores)`, value: round(busy * 100), unit: '%', target: 'context: ~100 % means the cores are the limit', pass: true },
      );
    } finally {
      for (const node of nodes) await node.stop();
      await connection.close();
    }
  }
  rows.push({ name: 'three nodes / one node, runs per minute on this host', value: round(rates[1]! / rates[0]!), unit: 'x', target: 'context: >= 0.8x (they share two cores)', pass: rates[1]! / rates[0]! >= 0.8 });
  return rows;
}

async function capacityModel(server: PostgresServer, roundTripsPerRun: number, postgresMsPerRun: number): Promise<BenchRow[]> {
  const connection = await openDatabase('/nonexistent', { url: parsePostgresUrl(await server.createDatabase('model'), 'bench') });
  try {
    await seedSubscriptions(connection.db, modelSubscriptions, '* * * * *');
    // What every node reads on every change LISTEN/NOTIFY reports: the schedule (and the names, about as much).
    await enabledSchedules(connection.db);
    const started = process.hrtime.bigint();
    const read = await enabledSchedules(connection.db);
    const reloadMs = Number(process.hrtime.bigint() - started) / 1e6;
    const runsPerSecond = modelSubscriptions / 60;
    const heartbeatQueries = 3; // renew, refresh the view, sweep for lost nodes
    return [
      { name: `model: ${modelSubscriptions.toLocaleString('en')} subscriptions every minute, ${modelNodes} nodes: runs`, value: round(runsPerSecond), unit: 'runs/s', target: 'context', pass: true },
      { name: '  runs per node', value: round(runsPerSecond / modelNodes), unit: 'runs/s', target: 'context: one 2-core host runs ~12/s', pass: true },
      { name: '  database round trips for runs (measured per run × runs/s)', value: Math.round(roundTripsPerRun * runsPerSecond), unit: 'queries/s', target: 'context', pass: true },
      { name: '  database busy for runs (measured wall per run × runs/s)', value: round((postgresMsPerRun * runsPerSecond) / 1000), unit: 'connection-s/s', target: 'context: that many connections busy on average', pass: true },
      { name: '  lease traffic (every node, every heartbeat)', value: round((modelNodes * heartbeatQueries) / (defaultHeartbeatMs / 1000)), unit: 'queries/s', target: 'context', pass: true },
      { name: `  full schedule read of ${read.length.toLocaleString('en')} subscriptions, measured`, value: round(reloadMs), unit: 'ms', target: 'context', pass: true },
      { name: '  one botctl change: NOTIFY deliveries', value: modelNodes, unit: '', target: 'context', pass: true },
      { name: '  one botctl change: database time for every node to reload (schedule and names)', value: round((modelNodes * 2 * reloadMs) / 1000), unit: 's', target: 'context: batch changes at this size', pass: true },
    ];
  } finally {
    await connection.close();
  }
}
