// One execution of one subscription, start to finish, as a story:
//   read what is due → resolve its code (bundled, cached by sha256) → claim the slot → start the child
//   (its start message now, or at the slot when pre-warmed: prewarm.ts) → supervise it (supervise.ts, its
//   channel and limits child-channel.ts) → judge how it ended (verdict.ts) → record the outcome in one
//   transaction (ledger.ts).
// botd's scheduler and `botctl run` both come through here.
import { botFrames } from '../bots/bot-stack.js';
import { bundleBot, type BundledBot } from '../bots/bundle.js';
import { resolveCode } from '../bots/resolve-code.js';
import { noExchange, type ExchangeSession, type ExchangeSessionFactory } from '../broker/session.js';
import type { Connection } from '../db/open.js';
import type { Bot, Subscription } from '../db/schema.js';
import { databaseError } from '../db/database-error.js';
import { BotctlError } from '../errors.js';
import { daemonEvents } from '../events/daemon-events.js';
import { homePaths } from '../home.js';
import type { SignalInput } from '../sdk/types.js';
import { childStart } from './child-start.js';
import { defaultHeapMb, defaultKillGraceMs, defaultMaxConsecutiveFailures } from './defaults.js';
import { lazySession } from './lazy-session.js';
import {
  claimRun,
  finishRun,
  forgetUnstartedRun,
  recordChildPid,
  recordSkipped,
  runningRuns,
  type FinalStatus,
} from './ledger.js';
import { liveNodeIds } from '../fleet/fleet.js';
import { LogTail, defaultLogTailBytes } from './log-tail.js';
import { errorText, silentLogger, type Logger } from './log.js';
import { beginAtSlot } from './prewarm.js';
import { processAlive } from './process-group.js';
import { defaultOutcomeRetryMs, writeDurably } from './record-outcome.js';
import { startMessage, type Begin } from './start-message.js';
import { readBot, readSubscription } from './subscription-rows.js';
import { superseded, supersededReason } from './superseded.js';
import { supervise } from './supervise.js';
import { judge, type ChildEnd } from './verdict.js';

// The channel's limits live with the channel; re-exported for the callers and tests that name them here.
export { maxChannelBytesPerRun, maxExchangeCallsPerRun, maxMessageBytes, maxMessagesPerRun } from './child-channel.js';

export interface RunnerOptions {
  home: string;
  connection: Connection;
  /** Serves ctx.exchange; by default every call is refused with ExchangeNotAvailable. */
  exchangeSessions?: ExchangeSessionFactory;
  /** How long a child may take to stop after the abort message, and again after SIGTERM. */
  killGraceMs?: number;
  heapMb?: number;
  maxConsecutiveFailures?: number;
  /** Node's permission model around the child. Off only in tests that need a bot to spawn processes. */
  sandbox?: boolean;
  logTailBytes?: number;
  log?: Logger;
  /** Recorded in runs.daemon_pid, so a later botd can tell live runs from abandoned ones. */
  ownerPid?: number;
  /** The fleet node this botd is (src/fleet), recorded in runs.node_id; unset for `botctl run`. */
  nodeId?: number;
  /** How long a refused outcome write (disk full) is retried: botd until it commits, `botctl run` briefly. */
  outcomeRetryMs?: number;
}

export interface Execution {
  subscriptionId: number;
  /** ISO-8601: the slot this execution fills. */
  scheduledFor: string;
  /** botd does not run a subscription that was paused after its tick; `botctl run` runs it anyway. */
  requireEnabled: boolean;
  /** Aborted on shutdown: the child is stopped and the run recorded `abandoned`. */
  cancel?: AbortSignal;
  /** A catch-up run after downtime (logged as such). */
  catchUp?: boolean;
  /** botd: the subscription's next slot; this run never starts once that is near (superseded.ts). */
  nextSlot?: string;
  /**
   * Simulated time of this run (ms): the child's clock (Date.now(), timers) and the paper venue's prices read it
   * instead of the machine's. Paper mode only; the parity tests run a subscription slot by slot over recorded data.
   */
  clock?: number;
  /** Called when the child has been spawned: dispatch-lag measurement and tests. */
  onSpawn?(pid: number): void;
  /**
   * Pre-warm: spawn the child now, send its start message at the slot (`scheduledFor`). Aborted before the
   * slot (botd stopping), the child is stopped and the run recorded `skipped`.
   */
  prewarm?: AbortSignal;
}

export interface RunReport {
  runId: number | null;
  subscriptionId: number;
  scheduledFor: string;
  /** `not_run`: no row was written (subscription removed or paused, or the slot already had a row). */
  status: FinalStatus | 'not_run';
  error: string | null;
  codeSha256: string | null;
  durationMs: number;
  /** Set when this run's failure paused the subscription. */
  pausedReason: string | null;
}

/** One execution in progress: its options, and how to report and log it. */
interface Story {
  options: RunnerOptions;
  execution: Execution;
  log: Logger;
  started: number;
  ownerPid: number;
  /** The fields every log line of this run carries. */
  base: { subscription_id: number; scheduled_for: string };
}

/** A slot this execution holds: its row, the subscription and bot as read, and the code it runs. */
interface Claimed {
  runId: number;
  subscription: Subscription;
  bot: Bot;
  codeSha256: string | null;
}

export async function runExecution(options: RunnerOptions, execution: Execution): Promise<RunReport> {
  const story: Story = {
    options,
    execution,
    log: options.log ?? silentLogger,
    started: Date.now(),
    ownerPid: options.ownerPid ?? process.pid,
    base: { subscription_id: execution.subscriptionId, scheduled_for: execution.scheduledFor },
  };
  const due = await readDue(story);
  if ('report' in due) return due.report;
  // Code first, so the claimed row records exactly which code ran; a failure here is still a recorded run.
  const code = await resolveBundle(story, due.subscription, due.bot);
  // From here to the spawn botd waits only on the database (the claim, the state: milliseconds): the last moment to
  // give way to the next slot.
  if (superseded(execution.nextSlot)) return skipSuperseded(story);
  const claimed = await claimSlot(story, due.subscription, due.bot, code.bundle);
  if ('report' in claimed) return claimed.report;
  if (!code.bundle) return record(story, claimed, 'failed', { error: code.error });
  let current = claimed.subscription;
  const begin = await startWhen(story, claimed, (now) => (current = now));
  if ('status' in begin) return record(story, claimed, begin.status, { error: begin.error });
  const clock = simulatedClock(execution, current);
  const session = lazySession(() => (options.exchangeSessions ?? noExchange)({ runId: claimed.runId, subscription: current, bot: claimed.bot, ...clock }));
  try {
    const end = await superviseChild(story, claimed, code.bundle, begin.begin, session);
    if (end.notStarted?.forget && !end.spawnError) return forget(story, claimed, end.notStarted.error);
    // The stack the tail keeps: the frames in the bot's own file and lines (the message is the run's error).
    if (end.result && !end.result.ok && end.result.error.stack !== undefined) {
      const frames = botFrames(end.result.error.stack, code.bundle, code.codePath ?? claimed.bot.code_path);
      end.result.error.stack = frames.length ? frames.join('\n') : undefined;
    }
    const verdict = judge(end, options.heapMb ?? defaultHeapMb);
    // Awaited inside the try: the session stays open while a refused outcome write is retried.
    return await record(story, claimed, verdict.status, { ...end, error: verdict.error, session, ...(verdict.state ? { state: verdict.state } : {}) });
  } finally {
    await session.close?.().catch((error: unknown) => story.log.warn('exchange session did not close', { run_id: claimed.runId, error: errorText(error) }));
  }
}

function report(story: Story, status: RunReport['status'], fields: Partial<RunReport> = {}): RunReport {
  return {
    runId: null,
    subscriptionId: story.execution.subscriptionId,
    scheduledFor: story.execution.scheduledFor,
    status,
    error: null,
    codeSha256: null,
    durationMs: Date.now() - story.started,
    pausedReason: null,
    ...fields,
  };
}

/** The subscription and its bot, unless there is nothing to run (removed, paused, or running elsewhere). */
async function readDue(story: Story): Promise<{ subscription: Subscription; bot: Bot } | { report: RunReport }> {
  const { db } = story.options.connection;
  const { execution, log, base } = story;
  const subscription = await readSubscription(db, execution.subscriptionId);
  // A subscription's bot cannot be deleted while it has subscriptions (foreign key): a missing one was removed with it.
  const bot = subscription && (await readBot(db, subscription.bot_id));
  if (!subscription || !bot || (execution.requireEnabled && subscription.enabled !== 1)) {
    const reason = subscription && bot ? 'subscription is paused' : 'subscription was removed';
    log.info('run not started', { ...base, run_id: null, reason });
    return { report: report(story, 'not_run', { error: reason }) };
  }
  // Another process (a foreground `botctl run`, or botd while this is `botctl run`) may be running it now.
  const busy = await runningElsewhere(story, subscription.id);
  if (busy) {
    const error = `previous run ${busy.id} was still running`;
    const runId = (await recordSkipped(db, subscription.id, execution.scheduledFor, error)) ?? null;
    log.info('run skipped', { ...base, run_id: runId, status: 'skipped', reason: error });
    return { report: report(story, runId === null ? 'not_run' : 'skipped', { runId, error }) };
  }
  return { subscription, bot };
}

// A `running` row of the subscription that is someone else's run still going: a fleet node's (this one's own are
// the dispatcher's business) while that node holds its lease, by the database's clock; a run without a node (`botctl
// run`) while its process is alive on this host (a `botctl run` on another host is not seen).
async function runningElsewhere(story: Story, subscriptionId: number): Promise<{ id: number } | undefined> {
  const { db } = story.options.connection;
  const rows = (await runningRuns(db, subscriptionId)).filter((r) => r.node_id === null || r.node_id !== story.options.nodeId);
  if (rows.length === 0) return undefined;
  const live = rows.some((r) => r.node_id !== null) ? await liveNodeIds(db) : new Set<number>();
  return rows.find((r) => (r.node_id !== null ? live.has(r.node_id) : r.daemon_pid !== null && r.daemon_pid !== story.ownerPid && processAlive(r.daemon_pid)));
}

async function resolveBundle(story: Story, subscription: Subscription, bot: Bot): Promise<{ bundle?: BundledBot; codePath?: string; error?: string }> {
  const { home, connection } = story.options;
  try {
    const code = await resolveCode(connection.db, home, bot, subscription.pinned_version, { sharedStore: true });
    return { bundle: await bundleBot(code.sourcePath, homePaths(home).bundleCache), codePath: code.codePath };
  } catch (error) {
    return { error: errorText(error) };
  }
}

async function claimSlot(story: Story, subscription: Subscription, bot: Bot, bundle: BundledBot | undefined): Promise<Claimed | { report: RunReport }> {
  const codeSha256 = bundle?.sourceSha256 ?? null;
  let runId: number | undefined;
  try {
    runId = await claimRun(story.options.connection.db, {
      subscriptionId: subscription.id,
      scheduledFor: story.execution.scheduledFor,
      codeSha256,
      daemonPid: story.ownerPid,
      nodeId: story.options.nodeId ?? null,
    });
  } catch (error) {
    // Not stored, so not started: no child ever runs under a claim the ledger does not hold.
    throw databaseError(error, databaseFile(story), `Run not started: its claim on slot ${story.execution.scheduledFor} could not be recorded`);
  }
  if (runId === undefined) {
    story.log.info('run not started', { ...story.base, run_id: null, reason: 'slot already has a run' });
    return { report: report(story, 'not_run', { error: 'slot already has a run' }) };
  }
  return { runId, subscription, bot, codeSha256 };
}

/** When the child may start: with a start message ready now, or (pre-warmed) one built at the slot. */
async function startWhen(story: Story, claimed: Claimed, reread: (now: Subscription) => void): Promise<{ begin: () => Promise<Begin> } | Exclude<Begin, { start: unknown }>> {
  const { db } = story.options.connection;
  const { scheduledFor, prewarm } = story.execution;
  const build = (subscription: Subscription) => startMessage(db, { runId: claimed.runId, scheduledFor, bot: claimed.bot, subscription, ...simulatedClock(story.execution, subscription) });
  if (prewarm) {
    const check = {
      scheduledFor,
      prewarm,
      reread: () => readSubscription(story.options.connection.db, claimed.subscription.id),
      start: (now: Subscription) => {
        reread(now);
        return build(now);
      },
    };
    return { begin: () => beginAtSlot(check) };
  }
  const ready = await build(claimed.subscription);
  if ('status' in ready) return ready;
  return { begin: async () => ready };
}

async function superviseChild(story: Story, claimed: Claimed, bundle: BundledBot, begin: () => Promise<Begin>, session: ExchangeSession): Promise<ChildEnd> {
  const { options, execution, log, base } = story;
  const { runId, codeSha256 } = claimed;
  const heapMb = options.heapMb ?? defaultHeapMb;
  // From the runtime snapshot when it and this bot's module are ready, else from the bundle (child-start.ts).
  const launch = childStart(bundle, { cacheDir: homePaths(options.home).bundleCache, heapMb, log });
  const logStarted = (pid: number, prewarmed: boolean) => {
    const lag = Date.now() - Date.parse(execution.scheduledFor);
    daemonEvents.emit({ type: 'run-started', runId, subscriptionId: claimed.subscription.id, dispatchLagMs: lag, childStart: launch.snapshot ? 'snapshot' : 'bundle' });
    log.info('run started', {
      ...base,
      run_id: runId,
      pid,
      code_sha256: codeSha256,
      dispatch_lag_ms: lag,
      child_start: launch.snapshot ? 'snapshot' : 'bundle',
      ...(prewarmed ? { prewarmed: true } : {}),
      ...(execution.catchUp ? { catch_up: true } : {}),
    });
  };
  return supervise({
    launch,
    begin,
    session,
    heapMb,
    killGraceMs: options.killGraceMs ?? defaultKillGraceMs,
    sandbox: options.sandbox ?? true,
    custom: claimed.bot.kind === 'custom',
    tail: new LogTail(options.logTailBytes ?? defaultLogTailBytes),
    cancel: execution.cancel,
    onSpawn: (pid) => {
      recordChildPid(options.connection.db, runId, pid).catch((error: unknown) =>
        // Only the next start-up's orphan clean-up needs it: the run goes on, and the log says why it may be missed.
        log.warn('child pid not recorded', { ...base, run_id: runId, pid, error: errorText(error) }),
      );
      // dispatch_lag_ms is scheduled time → execution begins: the spawn here, the start message when pre-warmed.
      if (execution.prewarm) log.debug('run pre-warmed', { ...base, run_id: runId, pid, lead_ms: Date.parse(execution.scheduledFor) - Date.now() });
      else logStarted(pid, false);
      execution.onSpawn?.(pid);
    },
    onStart: (pid) => {
      if (execution.prewarm) logStarted(pid, true);
    },
  });
}

/** Overload: the slot gives way to the subscription's next one, recorded `skipped` like the dispatcher's. */
async function skipSuperseded(story: Story): Promise<RunReport> {
  let runId: number | undefined;
  try {
    runId = await recordSkipped(story.options.connection.db, story.execution.subscriptionId, story.execution.scheduledFor, supersededReason);
  } catch (error) {
    throw databaseError(error, databaseFile(story), `Slot ${story.execution.scheduledFor} was superseded, and that could not be recorded`);
  }
  story.log.info('run skipped', { ...story.base, run_id: runId ?? null, status: 'skipped', reason: supersededReason });
  return report(story, 'skipped', { runId: runId ?? null, error: supersededReason });
}

/** A pre-warmed child that never started because botd stopped before its slot: the slot keeps no row. */
async function forget(story: Story, claimed: Claimed, reason: string): Promise<RunReport> {
  await forgetUnstartedRun(story.options.connection.db, claimed.runId);
  story.log.info('run not started', { ...story.base, run_id: claimed.runId, reason });
  return report(story, 'not_run', { runId: null, error: reason });
}

interface OutcomeFields {
  exitCode?: number | null;
  signal?: string | null;
  error?: string | null;
  tail?: LogTail;
  state?: Record<string, unknown>;
  signals?: SignalInput[];
  session?: ExchangeSession;
}

function databaseFile(story: Story): string {
  return story.options.connection.location;
}

/**
 * Writes the outcome (or, if the database refuses it, at least that the run ended), logs it and reports it.
 * A write refused for a while (disk full) is retried (record-outcome.ts); one that never lands throws, and a
 * row no longer `running` is an error: a run is never reported that the ledger does not hold.
 */
async function record(story: Story, claimed: Claimed, outcome: FinalStatus, outcomeFields: OutcomeFields): Promise<RunReport> {
  const { log, base } = story;
  const { runId, codeSha256 } = claimed;
  let status = outcome;
  let fields = outcomeFields;
  let finished;
  const retry = {
    log,
    file: databaseFile(story),
    retryForMs: story.options.outcomeRetryMs ?? defaultOutcomeRetryMs,
    cancel: story.execution.cancel,
    fields: { ...base, run_id: runId, status: outcome },
  };
  try {
    finished = await writeDurably(() => writeOutcome(story, claimed, status, fields), retry);
  } catch (error) {
    if (error instanceof BotctlError) throw error;
    // The full outcome could not be written (a signal the database refuses, say): record at least that the run
    // ended, so no row stays `running`. Its state and signals are not kept; its orders are already written.
    log.error('run outcome could not be written', { ...base, run_id: runId, outcome, outcome_error: fields.error ? firstLine(fields.error) : null, error: errorText(error) });
    status = 'failed';
    fields = { exitCode: fields.exitCode ?? null, signal: fields.signal ?? null, error: `botd could not record the outcome (${outcome}): ${errorText(error)}`, ...(fields.tail ? { tail: fields.tail } : {}) };
    finished = await writeDurably(() => writeOutcome(story, claimed, status, fields), retry);
  }
  if (!finished.written) {
    // Its row was removed (unsubscribed meanwhile) or recorded by someone else: say so, never report it as done.
    const reason = `run ${runId} ended ${status}, but its row was no longer running (removed with its subscription, or recorded abandoned by another botd)`;
    log.error('run outcome not recorded', { ...base, run_id: runId, status, reason });
    throw new BotctlError('runtime_failure', `The run's outcome was not recorded: ${reason}.`, { hint: 'botctl runs' });
  }
  const durationMs = Date.now() - story.started;
  const line = { ...base, run_id: runId, status, duration_ms: durationMs, code_sha256: codeSha256, ...(fields.error ? { error: firstLine(fields.error) } : {}) };
  if (status === 'succeeded' || status === 'skipped') log.info('run finished', line);
  else log.warn('run finished', line);
  if (finished.pausedReason) log.warn('subscription paused', { subscription_id: claimed.subscription.id, run_id: runId, reason: finished.pausedReason });
  return report(story, status, { runId, error: fields.error ?? null, codeSha256, durationMs, pausedReason: finished.pausedReason });
}

function writeOutcome(story: Story, claimed: Claimed, status: FinalStatus, fields: OutcomeFields) {
  return finishRun(story.options.connection.db, {
    runId: claimed.runId,
    subscriptionId: claimed.subscription.id,
    status,
    exitCode: fields.exitCode ?? null,
    signal: fields.signal ?? null,
    error: fields.error ?? null,
    logTail: fields.tail ? fields.tail.text() : null,
    state: fields.state,
    commit: fields.session?.commit?.(),
    signals: fields.signals ?? [],
    maxConsecutiveFailures: story.options.maxConsecutiveFailures ?? defaultMaxConsecutiveFailures,
  });
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/** A simulated time for a paper run (Execution.clock), as the start message and the broker session take it. */
function simulatedClock(execution: Execution, subscription: Subscription): { clock?: number } {
  return execution.clock !== undefined && subscription.mode === 'paper' ? { clock: execution.clock } : {};
}
