// botd: lock the home, clean up after a previous botd that died mid-run, apply the missed-run policy, then
// schedule every enabled subscription until asked to stop.
import { maxIdleDays, pruneBundleCache } from '../bots/bundle-cache.js';
import { openDatabase, type Connection } from '../db/open.js';
import { homePaths } from '../home.js';
import { stopChildStartBuilds } from './child-start.js';
import {
  defaultConcurrency,
  defaultKillGraceMs,
  defaultMaxConsecutiveFailures,
  defaultStopGraceMs,
  defaultWarmLeadMs,
  maxCatchUpDeadlineMs,
} from './defaults.js';
import { Dispatcher, type Job } from './dispatcher.js';
import { openBroker } from '../broker/open-broker.js';
import { closeSharedObjectStores } from '../store/shared-stores.js';
import type { ExchangeBroker, ExchangeSessionFactory } from '../broker/session.js';
import { abandonStaleRuns, lastScheduledFor, recordSkipped } from './ledger.js';
import { acquireDaemonLock, type DaemonLock } from './lock.js';
import { errorText, jsonLogger, type Logger } from './log.js';
import { missedRun, missedRunError } from './missed-runs.js';
import { commandLine, isOrphanedExecution, processAlive, terminateGroup } from './process-group.js';
import { runExecution, type RunnerOptions } from './runner.js';
import type { Calendar } from './calendar.js';
import { Scheduler, type ScheduledRow } from './scheduler.js';
import { daemonEvents } from '../events/daemon-events.js';
import { observedSessions } from './observed-sessions.js';
import { startObservability, type ObservabilityOptions } from './observability.js';

export interface DaemonOptions {
  home: string;
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


export interface RunningDaemon {
  /** Stop scheduling, wait up to the grace period for running children, stop the rest. Idempotent. */
  stop(reason: string): Promise<void>;
  /** Stop running children at once (a second SIGTERM/SIGINT during a graceful stop). */
  hurry(): void;
  readonly stopped: Promise<void>;
  readonly scheduler: Scheduler;
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const log = options.log ?? jsonLogger();
  const lock = acquireDaemonLock(options.home);
  let connection: Connection;
  try {
    connection = await openDatabase(options.home);
  } catch (error) {
    lock.release();
    throw error;
  }
  try {
    return await run(options, log, lock, connection);
  } catch (error) {
    await connection.close();
    lock.release();
    throw error;
  }
}

// Longer than 80 lines: it wires the parts together (broker, runner options, dispatcher, scheduler, missed runs,
// stop) in the order they must start, and the stop closure has to see them all.
async function run(options: DaemonOptions, log: Logger, lock: DaemonLock, connection: Connection): Promise<RunningDaemon> {
  const { sqlite } = connection;
  const killGraceMs = options.killGraceMs ?? defaultKillGraceMs;
  const concurrency = options.concurrency ?? defaultConcurrency;

  await cleanUpAfterPreviousDaemon(connection, log, killGraceMs);
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
    exchangeSessions: observedSessions(broker.sessions, daemonEvents),
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
      // This process paused it (failure streak): our own writes do not change data_version, so reload now.
      if (report.pausedReason) scheduler?.reload();
      return report;
    },
    skip(job, reason) {
      const runId = recordSkipped(sqlite, job.subscriptionId, job.scheduledFor, reason);
      log.info('run skipped', { run_id: runId ?? null, subscription_id: job.subscriptionId, scheduled_for: job.scheduledFor, status: 'skipped', reason });
    },
  });

  scheduler = new Scheduler({
    sqlite,
    log,
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    onDue: (subscriptionId, slot) => dispatcher.due({ subscriptionId, scheduledFor: new Date(slot).toISOString() }),
    onWarm: (subscriptionId, slot) => dispatcher.warm({ subscriptionId, scheduledFor: new Date(slot).toISOString() }),
    warmLeadMs: options.warmLeadMs ?? defaultWarmLeadMs,
  });
  const missed = missedRunPolicy(connection, dispatcher, log, options.catchUpDeadlineMs ?? maxCatchUpDeadlineMs);
  scheduler.start(missed.apply);
  missed.report();
  const observability = await startObservability({ home: options.home, connection, log, dispatcher, scheduler, concurrency, ...options.observe });
  const pruning = setInterval(pruneCache, cachePruneEveryMs).unref();
  const memory = process.memoryUsage();
  log.info('botd started', {
    home: options.home,
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
  const activeScheduler = scheduler;
  return {
    scheduler: activeScheduler,
    stopped,
    hurry: () => dispatcher.hurry(),
    stop(reason) {
      stopping ??= (async () => {
        const stopGraceMs = options.stopGraceMs ?? defaultStopGraceMs;
        log.info('botd stopping', { reason, running: dispatcher.running, queued: dispatcher.queued, grace_ms: stopGraceMs });
        activeScheduler.stop();
        clearInterval(pruning);
        try {
          await dispatcher.stop(stopGraceMs);
        } finally {
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
}

// Runs left `running` by a botd (or `botctl run`) that is gone are `abandoned`; their children, which lead
// their own process groups and so outlived it, are stopped. A slot once claimed is never run again.
async function cleanUpAfterPreviousDaemon(connection: Connection, log: Logger, killGraceMs: number): Promise<void> {
  const abandoned = abandonStaleRuns(connection.sqlite, ownerAlive, 'botd stopped before the run finished (found at start-up)');
  for (const run of abandoned) {
    log.warn('run abandoned', { run_id: run.id, subscription_id: run.subscription_id, status: 'abandoned' });
    if (run.child_pid === null || !isOrphanedExecution(run.child_pid)) continue;
    const ended = await terminateGroup(run.child_pid, killGraceMs);
    log.warn('orphaned child stopped', { run_id: run.id, subscription_id: run.subscription_id, pid: run.child_pid, ended });
  }
}

// The process that owns a `running` row is alive if its pid is, and (where /proc tells) it is still a Node
// process: a pid reused by something else must not keep a dead run `running` forever.
function ownerAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  if (!processAlive(pid)) return false;
  const cmd = commandLine(pid);
  return cmd === undefined || /\bnode\b|botd|botctl/.test(cmd);
}

// Applied to each enabled subscription as the scheduler first loads it (see missed-runs.ts for the policy).
function missedRunPolicy(connection: Connection, dispatcher: Dispatcher, log: Logger, deadlineCapMs: number) {
  const { sqlite } = connection;
  const lastSlots = lastScheduledFor(sqlite);
  let caughtUp = 0;
  let skipped = 0;
  return {
    apply(row: ScheduledRow, calendar: Calendar, now: number): void {
      const missed = missedRun(calendar, Date.parse(lastSlots.get(row.id) ?? row.created_at), now, deadlineCapMs);
      if (!missed) return;
      const job: Job = { subscriptionId: row.id, scheduledFor: new Date(missed.slot).toISOString(), catchUp: true };
      if (missed.action === 'catch-up') {
        caughtUp++;
        dispatcher.due(job);
        return;
      }
      skipped++;
      try {
        const runId = recordSkipped(sqlite, job.subscriptionId, job.scheduledFor, missedRunError);
        log.info('run skipped', { run_id: runId ?? null, subscription_id: job.subscriptionId, scheduled_for: job.scheduledFor, status: 'skipped', reason: missedRunError });
      } catch (error) {
        log.error('could not record a missed run', { subscription_id: job.subscriptionId, error: errorText(error) });
      }
    },
    report(): void {
      if (caughtUp || skipped) log.info('missed runs after downtime', { catch_up: caughtUp, skipped });
    },
  };
}
