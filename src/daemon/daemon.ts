// botd: lock the home, clean up after a previous botd that died mid-run, apply the missed-run policy, then
// schedule every enabled subscription until asked to stop.
import { maxIdleDays, pruneBundleCache } from '../bots/bundle-cache.js';
import { watchChanges, type ChangeFeed } from '../db/change-feed.js';
import { openDatabase, type Connection, type SqliteConnection } from '../db/open.js';
import { postgresLocation, type PostgresUrl } from '../db/postgres-url.js';
import { templateDir } from '../bots/templates.js';
import { dialectSql } from '../db/dialect-sql.js';
import { codeDigest } from '../fleet/code-digest.js';
import { Fleet } from '../fleet/fleet.js';
import { databaseError, databaseErrorText } from '../db/database-error.js';
import { assertWritableDatabase, assertWritableHome, damagedDatabase, quickCheck, startupQuickCheckMs } from '../db/health.js';
import { ensureHome, homePaths } from '../home.js';
import { watchDatabaseFile } from './database-watch.js';
import { bundleBot } from '../bots/bundle.js';
import { resolveCode } from '../bots/resolve-code.js';
import { childStart, childStartBuilds, prepareRuntimeSnapshot, stopChildStartBuilds } from './child-start.js';
import {
  defaultConcurrency,
  defaultHeapMb,
  defaultKillGraceMs,
  defaultMaxConsecutiveFailures,
  defaultStopGraceMs,
  defaultWarmLeadMs,
  maxCatchUpDeadlineMs,
} from './defaults.js';
import { Dispatcher, type Job } from './dispatcher.js';
import { openBroker } from '../broker/open-broker.js';
import { closeSharedObjectStores } from '../store/shared-stores.js';
import { assertFleetStore, storeConfig } from '../store/open-store.js';
import type { ExchangeBroker, ExchangeSessionFactory } from '../broker/session.js';
import { abandonRuns, lastScheduledFor, recordSkipped, type AbandonedRun, type RunOwner } from './ledger.js';
import { unopenableKeys } from '../secrets/keys.js';
import { acquireDaemonLock, type DaemonLock } from './lock.js';
import { errorText, jsonLogger, type Logger } from './log.js';
import { missedRun, missedRunError } from './missed-runs.js';
import { withSubscriptionNames } from './named-log.js';
import { commandLine, isOrphanedExecution, processAlive, terminateGroup } from './process-group.js';
import { runExecution, type RunnerOptions } from './runner.js';
import type { Calendar } from './calendar.js';
import { Scheduler, type ScheduledRow } from './scheduler.js';
import { enabledSchedules, oneSubscriptionPerCode, readBot } from './subscription-rows.js';
import { SubscriptionNames } from './subscription-names.js';
import { hostname } from 'node:os';
import { daemonEvents } from '../events/daemon-events.js';
import { observedSessions } from './observed-sessions.js';
import { startObservability, type ObservabilityOptions } from './observability.js';

export interface DaemonOptions {
  home: string;
  /** PostgreSQL instead of the home's SQLite file (BOTCTL_DATABASE_URL): a fleet of nodes may share it. */
  databaseUrl?: PostgresUrl | undefined;
  /** This node's name in `botctl nodes` (default: the host name). */
  nodeName?: string | undefined;
  /** Fleet lease timing (tests shorten them): see src/fleet/fleet.ts. */
  heartbeatMs?: number;
  leaseMs?: number;
  concurrency?: number;
  /** How long a graceful stop waits for running children before stopping them. */
  stopGraceMs?: number;
  killGraceMs?: number;
  maxConsecutiveFailures?: number;
  heapMb?: number;
  catchUpDeadlineMs?: number;
  pollMs?: number;
  /** Pre-warm lead time; 0 turns pre-warming off. */
  warmLeadMs?: number;
  exchangeSessions?: ExchangeSessionFactory;
  log?: Logger;
  /** Notifications, metrics, health (src/daemon/observability.ts). */
  observe?: Pick<ObservabilityOptions, 'metrics' | 'metricsPerSubscription' | 'notify' | 'backlogWarnMs'>;
}

const cachePruneEveryMs = 24 * 60 * 60 * 1000;
/** At stop, how long queued notifications (`botd stopped` among them) get to go out. */
const notifyGraceMs = 5_000;
const walCheckpointEveryMs = 60_000;

export interface RunningDaemon {
  /** Stop scheduling, wait up to the grace period for running children, stop the rest. Idempotent. */
  stop(reason: string): Promise<void>;
  /** Stop running children at once (a second SIGTERM/SIGINT during a graceful stop). */
  hurry(): void;
  readonly stopped: Promise<void>;
  readonly scheduler: Scheduler;
  /** Why botd stopped on its own (its database file was deleted or replaced): it then exits 1. */
  readonly fault: string | undefined;
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const log = options.log ?? jsonLogger();
  const file = options.databaseUrl ? postgresLocation(options.databaseUrl) : homePaths(options.home).database;
  assertWritableHome(ensureHome(options.home));
  if (options.databaseUrl) assertFleetStore(storeConfig(options.home), file);
  const lock = acquireDaemonLock(options.home);
  let connection: Connection | undefined;
  try {
    connection = await openDatabase(options.home, { url: options.databaseUrl });
    if (connection.engine === 'sqlite') {
      assertWritableDatabase(connection.sqlite, file);
      await checkDatabase(file, log);
    }
    return await run(options, log, lock, connection);
  } catch (error) {
    await connection?.close();
    lock.release();
    throw databaseError(error, file, 'botd cannot use its database');
  }
}

// PRAGMA quick_check, bounded in time (health.ts): damage found stops botd before it runs anything.
async function checkDatabase(file: string, log: Logger): Promise<void> {
  const started = Date.now();
  const check = await quickCheck(file, startupQuickCheckMs);
  if (check.status === 'damaged') throw damagedDatabase(file, check.problems);
  if (check.status === 'timed_out') {
    log.warn('database check did not finish in time; botd starts without it', { file, after_ms: check.afterMs, next: 'botctl doctor' });
  } else {
    log.info('database checked', { file, quick_check: 'ok', duration_ms: Date.now() - started });
  }
}

// A master key that cannot open the stored API keys (another home's, a wrong BOTCTL_MASTER_KEY, none) is said at
// start, naming the keys and the subscriptions that trade with them, not discovered at a live order. botd still
// starts: paper subscriptions and the other keys' are unaffected, and those runs fail with the same reason.
async function checkStoredKeys(connection: Connection, home: string, log: Logger): Promise<void> {
  const unopenable = await unopenableKeys(connection.db, home);
  if (!unopenable) return;
  const users = await connection.db.selectFrom('subscriptions').select('id').where('key_name', 'in', unopenable.names).where('enabled', '=', 1).orderBy('id').execute();
  log.error('API keys cannot be decrypted with this master key', {
    keys: unopenable.names,
    subscriptions: users.map((u) => u.id),
    reason: unopenable.reason,
    next: 'start botd with the master key they were stored under (BOTCTL_MASTER_KEY or <home>/master.key), or add them again: botctl keys rm NAME && botctl keys add NAME --exchange ID',
  });
}

// Longer than 80 lines: it wires the parts together (broker, runner options, dispatcher, scheduler, missed runs,
// stop) in the order they must start, and the stop closure has to see them all.
async function run(options: DaemonOptions, baseLog: Logger, lock: DaemonLock, connection: Connection): Promise<RunningDaemon> {
  const { db } = connection;
  const names = new SubscriptionNames(db);
  await names.refresh();
  const log = withSubscriptionNames(baseLog, names);
  const killGraceMs = options.killGraceMs ?? defaultKillGraceMs;
  const concurrency = options.concurrency ?? defaultConcurrency;

  await cleanUpAfterPreviousDaemon(connection, log, killGraceMs);
  const fleet = await Fleet.join({
    db,
    name: options.nodeName,
    codeDigest: codeDigest(templateDir()),
    log,
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
    onLost: async (node) => {
      const abandoned = await abandonRunsOfStoppedNodes(connection, log, 'its node was lost (no heartbeat within its lease)');
      daemonEvents.emit({ type: 'node-lost', node: node.name, host: node.host, lastHeartbeat: node.heartbeatAt, abandonedRuns: abandoned.filter((r) => r.node_id === node.id).length });
    },
  });
  await checkStoredKeys(connection, options.home, log);
  // Builds nothing has used for two weeks leave the bundle cache (src/bots/bundle-cache.ts): now, then daily.
  const pruneCache = () => {
    const { removed, bytes } = pruneBundleCache(homePaths(options.home).bundleCache);
    if (removed > 0) log.info('bundle cache pruned', { removed, freed_mb: Math.round((bytes / 1048576) * 10) / 10, idle_days: maxIdleDays });
  };
  pruneCache();

  const broker: ExchangeBroker = options.exchangeSessions
    ? { sessions: options.exchangeSessions, close: async () => {} }
    : await openBroker(options.home, connection);
  const runner: RunnerOptions = {
    home: options.home,
    connection,
    killGraceMs,
    maxConsecutiveFailures: options.maxConsecutiveFailures ?? defaultMaxConsecutiveFailures,
    log,
    // A getter: a node the fleet took for lost joins again under a new id (src/fleet/fleet.ts).
    get nodeId() {
      return fleet.id;
    },
    exchangeSessions: observedSessions(broker.sessions, daemonEvents),
    // A finished run's outcome is kept and retried until the database takes it (disk full): see record-outcome.ts.
    outcomeRetryMs: Infinity,
    ...(options.heapMb ? { heapMb: options.heapMb } : {}),
  };
  // Assigned below; the dispatcher only calls back into it once runs finish.
  let scheduler: Scheduler | undefined;
  const dispatcher = new Dispatcher({
    concurrency,
    log,
    async execute(job, cancel, prewarm) {
      const report = await runExecution(runner, { ...job, requireEnabled: true, cancel, ...(prewarm ? { prewarm } : {}) });
      if (report.status !== 'not_run') daemonEvents.emit({ type: 'run-finished', runId: report.runId, subscriptionId: report.subscriptionId, status: report.status, durationMs: report.durationMs, error: report.error });
      if (report.pausedReason) daemonEvents.emit({ type: 'subscription-paused', subscriptionId: report.subscriptionId, runId: report.runId, reason: report.pausedReason });
      // This process paused it (failure streak): our own writes do not reach our own change feed, so reload now.
      if (report.pausedReason) void scheduler?.reload();
      return report;
    },
    skip(job, reason) {
      const fields = { subscription_id: job.subscriptionId, scheduled_for: job.scheduledFor };
      recordSkipped(db, job.subscriptionId, job.scheduledFor, reason).then(
        (runId) => {
          log.info('run skipped', { ...fields, run_id: runId ?? null, status: 'skipped', reason });
          // Counted with the runs by status, like a slot the runner itself found superseded.
          daemonEvents.emit({ type: 'run-finished', runId: runId ?? null, subscriptionId: job.subscriptionId, status: 'skipped', durationMs: 0, error: reason });
        },
        (error: unknown) => log.error('skipped run could not be recorded', { ...fields, reason, error: databaseErrorText(error, connection.location) }),
      );
    },
  });

  // Only this node's slots (src/fleet/slot-owner.ts); alone, every slot is.
  scheduler = new Scheduler({
    readEnabled: () => enabledSchedules(db),
    log,
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    onDue: (subscriptionId, slot, next) => {
      if (!fleet.owns(subscriptionId, slot)) return;
      dispatcher.due({ subscriptionId, scheduledFor: new Date(slot).toISOString(), ...(next === null ? {} : { nextSlot: new Date(next).toISOString() }) });
    },
    onWarm: (subscriptionId, slot) => {
      if (fleet.owns(subscriptionId, slot)) dispatcher.warm({ subscriptionId, scheduledFor: new Date(slot).toISOString() });
    },
    warmLeadMs: options.warmLeadMs ?? defaultWarmLeadMs,
  });
  const activeScheduler = scheduler;
  const catchUpDeadlineMs = options.catchUpDeadlineMs ?? maxCatchUpDeadlineMs;
  const changes = await watchChanges(connection, {
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    onError: (error, retryInMs) => log.warn('change feed interrupted; reconnecting', { error: databaseErrorText(error, connection.location), retry_in_ms: retryInMs }),
  });
  await prepareChildStarts(options, connection, log);
  // Observers first: an event emitted before they listen is gone (the first slot's runs were missing from the
  // metrics and their failures from the notifications while the scheduler started ahead of them).
  const observability = await startObservability({ home: options.home, connection, changes, names, log, dispatcher, scheduler, concurrency, ...options.observe });
  const missed = await missedRunPolicy(connection, fleet, dispatcher, log, catchUpDeadlineMs);
  await scheduler.start(missed.apply);
  missed.report();
  const unfollow = followChanges(changes, { names, fleet, scheduler: activeScheduler, log, missedRuns: () => missedRunPolicy(connection, fleet, dispatcher, log, catchUpDeadlineMs) });
  const pruning = setInterval(pruneCache, cachePruneEveryMs).unref();
  let fault: string | undefined;
  let stopDaemon: (reason: string) => Promise<void> = async () => {};
  const stopSqliteUpkeep = connection.engine === 'sqlite'
    ? sqliteUpkeep(connection.sqlite, log, (why) => {
      fault = why;
      log.error('database file deleted or replaced: botd stops so that it is restarted on the file that is there now', { reason: why });
      void stopDaemon('database file deleted or replaced');
    })
    : () => {};
  const memory = process.memoryUsage();
  log.info('botd started', {
    home: options.home,
    database: connection.location,
    node_id: fleet.id,
    nodes: fleet.members.length,
    pid: process.pid,
    concurrency,
    subscriptions: scheduler.size,
    rss_mb: Math.round(memory.rss / 1048576),
    heap_used_mb: Math.round(memory.heapUsed / 1048576),
  });
  daemonEvents.emit({ type: 'daemon-started', pid: process.pid, subscriptions: scheduler.size, concurrency });
  observability.ready();

  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const daemon: RunningDaemon = {
    get fault() {
      return fault;
    },
    scheduler: activeScheduler,
    stopped,
    hurry: () => dispatcher.hurry(),
    stop(reason) {
      stopping ??= (async () => {
        const stopGraceMs = options.stopGraceMs ?? defaultStopGraceMs;
        log.info('botd stopping', { reason, running: dispatcher.running, queued: dispatcher.queued, grace_ms: stopGraceMs });
        activeScheduler.stop();
        unfollow();
        clearInterval(pruning);
        stopSqliteUpkeep();
        // Before the runs are waited for: the other nodes take this one's share from their next slot on.
        await fleet.leave(`stopped: ${reason}`).catch((error: unknown) => log.warn('could not record leaving the fleet; the others see it once its lease runs out', { error: errorText(error) }));
        try {
          await dispatcher.stop(stopGraceMs);
        } finally {
          await changes.close();
          daemonEvents.emit({ type: 'daemon-stopped', reason });
          await observability.stop(notifyGraceMs).catch((error: unknown) => log.warn('notifications or metrics did not stop cleanly', { error: errorText(error) }));
          await broker.close().catch((error: unknown) => log.warn('exchange broker did not close', { error: errorText(error) }));
          closeSharedObjectStores();
          await connection.close();
          // A runtime snapshot still being built is abandoned: nothing of botd's outlives 'botd stopped'.
          await stopChildStartBuilds();
          lock.release();
          log.info('botd stopped', { reason });
          resolveStopped();
        }
      })();
      return stopping;
    },
  };
  stopDaemon = (reason) => daemon.stop(reason);
  return daemon;
}

// The runtime snapshot and the module of each scheduled bot, ready before the first slot: on a fresh home the
// first seconds' children otherwise start from their bundles (30 of 100 runs at 10 due runs/s, dispatch-lag p99
// 328 ms against < 100 ms warm). Slots that come due meanwhile are not lost: the missed-run policy, applied
// once this returns, catches them up. Bounded: a build that hangs delays scheduling by at most this long.
const prepareChildStartsMs = 30_000;

async function prepareChildStarts(options: DaemonOptions, connection: Connection, log: Logger): Promise<void> {
  const started = Date.now();
  const cacheDir = homePaths(options.home).bundleCache;
  const childOptions = { cacheDir, heapMb: options.heapMb ?? defaultHeapMb, log };
  const snapshot = prepareRuntimeSnapshot(childOptions);
  // One subscription per bot: its code, bundle and bot module (a bot that cannot be resolved now fails at its run).
  const rows = await oneSubscriptionPerCode(connection.db);
  // Nothing scheduled yet: the build goes on in the background, start-up does not wait for it.
  if (rows.length === 0) return;
  const modules = (async () => {
    for (const subscription of rows) {
      try {
        const bot = await readBot(connection.db, subscription.bot_id);
        if (!bot) continue;
        const code = await resolveCode(connection.db, options.home, bot, subscription.pinned_version, { sharedStore: true });
        childStart(await bundleBot(code.sourcePath, cacheDir), childOptions);
      } catch {
        // Its run reports why.
      }
    }
    await childStartBuilds();
  })();
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, prepareChildStartsMs, 'timeout').unref());
  const outcome = await Promise.race([Promise.all([snapshot, modules]).then(([ready]) => ready), timeout]);
  const fields = { bots: rows.length, duration_ms: Date.now() - started };
  if (outcome === true) log.info('runtime snapshot ready', fields);
  else if (outcome === 'timeout') log.warn('runtime snapshot not ready in time: the first runs start from their bundles', fields);
  // outcome false: child-start.ts has logged why the snapshot could not be built.
}

// Runs left `running` by a botd (or `botctl run`) that is gone are `abandoned`; their children, which lead
// their own process groups and so outlived it, are stopped. A slot once claimed is never run again.
// Gone means: a node on this host whose process is dead (a previous botd of this home, killed -9), and a node
// already recorded stopped or lost; on SQLite also a run without a node (`botctl run`) whose process is dead.
// Runs of live nodes on other hosts are theirs; a node dead there is found by its lease (src/fleet/fleet.ts).
async function cleanUpAfterPreviousDaemon(connection: Connection, log: Logger, killGraceMs: number): Promise<void> {
  const { db } = connection;
  const here = hostname();
  const dead = await db.selectFrom('nodes').select(['id', 'pid']).where('stopped_at', 'is', null).where('host', '=', here).execute();
  const gone = dead.filter((n) => !ownerAlive(n.pid)).map((n) => n.id);
  if (gone.length) {
    await db.updateTable('nodes').set({ stopped_at: dialectSql(db).now, stop_reason: 'lost: its process was gone when botd started on its host' }).where('id', 'in', gone).where('stopped_at', 'is', null).execute();
  }
  const orphaned = (owner: RunOwner) => owner.node_id === null && connection.engine === 'sqlite' && (owner.daemon_pid === null || !ownerAlive(owner.daemon_pid));
  const abandoned = await abandonRunsOfStoppedNodes(connection, log, 'botd stopped before the run finished (found at start-up)', orphaned);
  // Children of this host's own dead nodes only: a pid from another host means nothing here.
  const ours = new Set(gone);
  for (const run of abandoned) {
    if (run.node_id !== null && !ours.has(run.node_id)) continue;
    if (run.child_pid === null || !isOrphanedExecution(run.child_pid)) continue;
    const ended = await terminateGroup(run.child_pid, killGraceMs);
    log.warn('orphaned child stopped', { run_id: run.id, subscription_id: run.subscription_id, pid: run.child_pid, ended });
  }
}

/** Records `abandoned` the running runs of every node recorded stopped or lost (and those `also` names). */
async function abandonRunsOfStoppedNodes(connection: Connection, log: Logger, reason: string, also: (owner: RunOwner) => boolean = () => false): Promise<AbandonedRun[]> {
  const stopped = new Set((await connection.db.selectFrom('nodes').select('id').where('stopped_at', 'is not', null).execute()).map((n) => n.id));
  const abandoned = await abandonRuns(connection.db, (owner) => (owner.node_id !== null && stopped.has(owner.node_id)) || also(owner), reason);
  for (const run of abandoned) log.warn('run abandoned', { run_id: run.id, subscription_id: run.subscription_id, node_id: run.node_id, status: 'abandoned', reason });
  return abandoned;
}

// The process that owns a `running` row is alive if its pid is, and (where /proc tells) it is still a Node
// process: a pid reused by something else must not keep a dead run `running` forever.
function ownerAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  if (!processAlive(pid)) return false;
  const cmd = commandLine(pid);
  return cmd === undefined || /\bnode\b|botd|botctl/.test(cmd);
}

// What the change feed sets going: the names, the fleet's view, the schedule. After the feed reconnects (the
// PostgreSQL server restarted) changes may have been missed, and slots may have come and gone without a claim:
// the missed-run policy is applied again, as after a restart.
function followChanges(
  changes: ChangeFeed,
  o: { names: SubscriptionNames; fleet: Fleet; scheduler: Scheduler; log: Logger; missedRuns: () => Promise<{ apply: MissedRunApply; report(): void }> },
): () => void {
  return changes.on((change) => {
    void (async () => {
      // At once, not one after another: on a loaded host each read waits its turn for the CPU.
      await Promise.all([
        o.names.refresh().catch((error: unknown) => o.log.warn('subscription names not refreshed', { error: errorText(error) })),
        o.fleet.refresh(),
        o.scheduler.reload(),
      ]);
      if (change !== 'reconnected') return;
      try {
        const missed = await o.missedRuns();
        o.scheduler.revisit(missed.apply);
        missed.report();
      } catch (error) {
        o.log.error('missed runs not checked after reconnecting', { error: errorText(error) });
      }
    })();
  });
}

// SQLite's own upkeep. journal_size_limit (open.ts) trims the WAL only when a checkpoint has reset it; the
// automatic one runs only at 1,000 pages and never completes while readers hold old snapshots. A passive one every
// minute keeps it small (the WAL grew to 12 MB and never shrank without it). And the file is watched: deleted or
// replaced, botd stops (database-watch.ts).
function sqliteUpkeep(sqlite: SqliteConnection['sqlite'], log: Logger, onReplaced: (why: string) => void): () => void {
  const checkpoints = setInterval(() => {
    try {
      sqlite.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      log.warn('WAL checkpoint failed; retrying in a minute', { error: databaseErrorText(error, sqlite.name) });
    }
  }, walCheckpointEveryMs).unref();
  const unwatch = watchDatabaseFile(sqlite.name, onReplaced);
  return () => {
    clearInterval(checkpoints);
    unwatch();
  };
}

type MissedRunApply = (row: ScheduledRow, calendar: Calendar, now: number) => void;

// Applied to each enabled subscription as the scheduler first loads it (see missed-runs.ts for the policy), and
// again after the database was unreachable. In a fleet, to the slots this node owns.
async function missedRunPolicy(connection: Connection, fleet: Fleet, dispatcher: Dispatcher, log: Logger, deadlineCapMs: number) {
  const { db } = connection;
  const lastSlots = await lastScheduledFor(db);
  let caughtUp = 0;
  let skipped = 0;
  return {
    apply(row: ScheduledRow, calendar: Calendar, now: number): void {
      const missed = missedRun(calendar, Date.parse(lastSlots.get(row.id) ?? row.created_at), now, deadlineCapMs);
      if (!missed || !fleet.owns(row.id, missed.slot)) return;
      const job: Job = { subscriptionId: row.id, scheduledFor: new Date(missed.slot).toISOString(), catchUp: true };
      if (missed.action === 'catch-up') {
        caughtUp++;
        dispatcher.due(job);
        return;
      }
      skipped++;
      recordSkipped(db, job.subscriptionId, job.scheduledFor, missedRunError).then(
        (runId) => log.info('run skipped', { run_id: runId ?? null, subscription_id: job.subscriptionId, scheduled_for: job.scheduledFor, status: 'skipped', reason: missedRunError }),
        (error: unknown) => log.error('could not record a missed run', { subscription_id: job.subscriptionId, error: errorText(error) }),
      );
    },
    report(): void {
      if (caughtUp || skipped) log.info('missed runs after downtime', { catch_up: caughtUp, skipped });
    },
  };
}
