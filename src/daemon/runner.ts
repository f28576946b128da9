// One execution of one subscription, start to finish: resolve its code, bundle it (cached by sha256), claim
// the slot, spawn one sandboxed Node child, serve it over its message channel (bounded: see below), supervise it
// (timeout, shutdown, crash, a channel flood), and
// write the outcome in one transaction. botd's scheduler and `botctl run` both come through here.
//
// Pre-warmed executions (botd, `Execution.prewarm`): botd calls this a lead time before the slot. Everything up
// to the spawn happens then (code resolved and bundled, slot claimed, child spawned and its pid recorded); the
// child waits for its start message. At the slot the subscription is read again: still there, enabled and
// still scheduled for this slot → the start message is built from it (config, pair, state read now) and
// sent, and the timeout counts from then; else the child is stopped and the run recorded `skipped`. So a
// template edited within the lead time takes effect one run later; a config edit applies at once.
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { getPriority, setPriority } from 'node:os';
import { bundleBot, type BundledBot } from '../bots/bundle.js';
import { resolveCode } from '../bots/resolve-code.js';
import type { Connection } from '../db/open.js';
import type { Bot, Subscription } from '../db/schema.js';
import { homePaths } from '../home.js';
import { encodeMessage, LineDecoder } from '../runtime/message-channel.js';
import type { BotError, ChildMessage, ExchangeCall, ParentMessage, ResultMessage, StartMessage } from '../runtime/protocol.js';
import type { SignalInput } from '../sdk/types.js';
import { Calendar, defaultTimeoutMs } from './calendar.js';
import { childStart, type ChildStart } from './child-start.js';
import { noExchange, type ExchangeSession, type ExchangeSessionFactory } from '../broker/session.js';
import {
  claimRun,
  defaultMaxConsecutiveFailures,
  finishRun,
  forgetUnstartedRun,
  loadState,
  recordChildPid,
  recordSkipped,
  runningRuns,
  type FinalStatus,
} from './ledger.js';
import { LogTail, defaultLogTailBytes } from './log-tail.js';
import { errorText, silentLogger, type Logger } from './log.js';
import { groupAlive, processAlive, terminateGroup, type GroupEnd } from './process-group.js';
import { defaultHeapMb, sandboxEnv, sandboxNodeArgs } from './sandbox.js';

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

export const defaultKillGraceMs = 3_000;
/** Added to botd's own niceness for each bot child. */
const childNiceness = 5;
const maxSignalsPerRun = 1_000;
const maxStateBytes = 1024 * 1024;

// What a bot may send botd over its channel. botd holds at most one unfinished message (counted as it
// streams in) and one read's worth of finished ones; past a limit the bot is stopped and the run fails.
export const maxMessageBytes = 1024 * 1024;
export const maxMessagesPerRun = 100_000;
export const maxChannelBytesPerRun = 64 * 1024 * 1024;
/** Exchange calls served at once: further messages wait unread (in the child) until one returns. */
const maxCallsInFlight = 16;
/** Past this, further exchange calls of the run are refused in the bot. */
export const maxExchangeCallsPerRun = 10_000;
/** Replies the child has not read yet: past this, botd serves nothing more until they drain. */
const maxUnreadReplyBytes = 8 * 1024 * 1024;

export async function runExecution(options: RunnerOptions, execution: Execution): Promise<RunReport> {
  const { sqlite, db } = options.connection;
  const log = options.log ?? silentLogger;
  const started = Date.now();
  const ownerPid = options.ownerPid ?? process.pid;
  const report = (status: RunReport['status'], fields: Partial<RunReport> = {}): RunReport => ({
    runId: null,
    subscriptionId: execution.subscriptionId,
    scheduledFor: execution.scheduledFor,
    status,
    error: null,
    codeSha256: null,
    durationMs: Date.now() - started,
    pausedReason: null,
    ...fields,
  });
  const base = { subscription_id: execution.subscriptionId, scheduled_for: execution.scheduledFor };

  const subscription = sqlite.prepare(`SELECT * FROM subscriptions WHERE id = ?`).get(execution.subscriptionId) as Subscription | undefined;
  if (!subscription || (execution.requireEnabled && subscription.enabled !== 1)) {
    const reason = subscription ? 'subscription is paused' : 'subscription was removed';
    log.info('run not started', { ...base, run_id: null, reason });
    return report('not_run', { error: reason });
  }
  const bot = sqlite.prepare(`SELECT * FROM bots WHERE id = ?`).get(subscription.bot_id) as Bot;

  // Another process (a foreground `botctl run`, or botd while this is `botctl run`) may be running it now.
  const busy = runningRuns(sqlite, subscription.id).find((r) => r.daemon_pid !== null && r.daemon_pid !== ownerPid && processAlive(r.daemon_pid));
  if (busy) {
    const error = `previous run ${busy.id} was still running`;
    const runId = recordSkipped(sqlite, subscription.id, execution.scheduledFor, error) ?? null;
    log.info('run skipped', { ...base, run_id: runId, status: 'skipped', reason: error });
    return report(runId === null ? 'not_run' : 'skipped', { runId, error });
  }

  // Code first, so the claimed row records exactly which code ran; a failure here is still a recorded run.
  let bundle: BundledBot | undefined;
  let codeError: string | undefined;
  try {
    const code = await resolveCode(db, options.home, bot, subscription.pinned_version, { sharedStore: true });
    bundle = await bundleBot(code.sourcePath, homePaths(options.home).bundleCache);
  } catch (error) {
    codeError = errorText(error);
  }

  const runId = claimRun(sqlite, {
    subscriptionId: subscription.id,
    scheduledFor: execution.scheduledFor,
    codeSha256: bundle?.sourceSha256 ?? null,
    daemonPid: ownerPid,
  });
  if (runId === undefined) {
    log.info('run not started', { ...base, run_id: null, reason: 'slot already has a run' });
    return report('not_run', { error: 'slot already has a run' });
  }
  const codeSha256 = bundle?.sourceSha256 ?? null;
  const maxConsecutiveFailures = options.maxConsecutiveFailures ?? defaultMaxConsecutiveFailures;

  type OutcomeFields = {
    exitCode?: number | null;
    signal?: string | null;
    error?: string | null;
    tail?: LogTail;
    state?: Record<string, unknown>;
    signals?: SignalInput[];
    session?: ExchangeSession;
  };
  const writeOutcome = (status: FinalStatus, fields: OutcomeFields) =>
    finishRun(sqlite, {
      runId,
      subscriptionId: subscription.id,
      status,
      exitCode: fields.exitCode ?? null,
      signal: fields.signal ?? null,
      error: fields.error ?? null,
      logTail: fields.tail ? fields.tail.text() : null,
      state: fields.state,
      orders: fields.session?.orders() ?? [],
      commit: fields.session?.commit?.bind(fields.session),
      signals: fields.signals ?? [],
      maxConsecutiveFailures,
    });
  const finish = (outcome: FinalStatus, outcomeFields: OutcomeFields): RunReport => {
    let status = outcome;
    let fields = outcomeFields;
    let finished;
    try {
      finished = writeOutcome(status, fields);
    } catch (error) {
      // The full outcome could not be written (an order or signal the database refuses, say): record at least
      // that the run ended, so no row stays `running`. Its state, orders and signals are not kept.
      log.error('run outcome could not be written', { ...base, run_id: runId, error: errorText(error) });
      status = 'failed';
      fields = { exitCode: fields.exitCode ?? null, signal: fields.signal ?? null, error: `botd could not record the outcome (${outcome}): ${errorText(error)}`, ...(fields.tail ? { tail: fields.tail } : {}) };
      finished = writeOutcome(status, fields);
    }
    const durationMs = Date.now() - started;
    const line = { ...base, run_id: runId, status, duration_ms: durationMs, code_sha256: codeSha256, ...(fields.error ? { error: firstLine(fields.error) } : {}) };
    if (status === 'succeeded' || status === 'skipped') log.info('run finished', line);
    else log.warn('run finished', line);
    if (finished.pausedReason) log.warn('subscription paused', { subscription_id: subscription.id, run_id: runId, reason: finished.pausedReason });
    return report(status, { runId, error: fields.error ?? null, codeSha256, durationMs, pausedReason: finished.pausedReason });
  };

  if (!bundle) return finish('failed', { error: codeError ?? 'code could not be resolved' });

  // The start message, from the subscription as it is now.
  const prepare = (current: Subscription): Begin => {
    let config: unknown;
    try {
      config = JSON.parse(current.execution_config);
    } catch {
      return { status: 'failed', error: 'execution_config is not valid JSON' };
    }
    const timeoutMs = current.timeout_ms ?? defaultTimeoutMs(new Calendar(current.schedule, current.timezone).periodMs(Date.now()));
    const start: StartMessage = {
      type: 'start',
      runId,
      subscriptionId: current.id,
      scheduledFor: execution.scheduledFor,
      pair: current.trading_pair,
      mode: current.mode,
      exchangeId: bot.exchange_type,
      config,
      state: loadState(sqlite, current.id),
    };
    return { start, timeoutMs };
  };
  let current = subscription;
  const prewarm = execution.prewarm;
  let begin: () => Promise<Begin>;
  if (prewarm) {
    const slot = Date.parse(execution.scheduledFor);
    begin = async () => {
      if (!(await untilSlot(slot, prewarm))) return { status: 'skipped', error: 'botd stopped before its slot', forget: true };
      const now = sqlite.prepare(`SELECT * FROM subscriptions WHERE id = ?`).get(subscription.id) as Subscription | undefined;
      if (!now) return { status: 'skipped', error: 'subscription was removed before its slot' };
      if (now.enabled !== 1) return { status: 'skipped', error: 'paused before its slot' };
      if (!slotStillScheduled(now, slot)) return { status: 'skipped', error: 'schedule changed before its slot' };
      current = now;
      return prepare(now);
    };
  } else {
    const ready = prepare(subscription);
    if ('status' in ready) return finish(ready.status, { error: ready.error });
    begin = async () => ready;
  }

  const session = lazySession(() => (options.exchangeSessions ?? noExchange)({ runId, subscription: current, bot }));
  try {
    const heapMb = options.heapMb ?? defaultHeapMb;
    // From the runtime snapshot when it and this bot's module are ready, else from the bundle (child-start.ts).
    const launch = childStart(bundle, { cacheDir: homePaths(options.home).bundleCache, heapMb, log });
    const logStarted = (pid: number, prewarmed: boolean) => {
      const lag = Date.now() - Date.parse(execution.scheduledFor);
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
    const end = await supervise({
      launch,
      begin,
      session,
      heapMb,
      killGraceMs: options.killGraceMs ?? defaultKillGraceMs,
      sandbox: options.sandbox ?? true,
      tail: new LogTail(options.logTailBytes ?? defaultLogTailBytes),
      cancel: execution.cancel,
      onSpawn: (pid) => {
        recordChildPid(sqlite, runId, pid);
        // dispatch_lag_ms is scheduled time → execution begins: the spawn here, the start message when pre-warmed.
        if (prewarm) log.debug('run pre-warmed', { ...base, run_id: runId, pid, lead_ms: Date.parse(execution.scheduledFor) - Date.now() });
        else logStarted(pid, false);
        execution.onSpawn?.(pid);
      },
      onStart: (pid) => {
        if (prewarm) logStarted(pid, true);
      },
    });
    if (end.notStarted?.forget && !end.spawnError) {
      forgetUnstartedRun(sqlite, runId);
      log.info('run not started', { ...base, run_id: runId, reason: end.notStarted.error });
      return report('not_run', { runId: null, error: end.notStarted.error });
    }
    const verdict = judge(end, heapMb);
    return finish(verdict.status, {
      exitCode: end.exitCode,
      signal: end.signal,
      error: verdict.error,
      tail: end.tail,
      signals: end.signals,
      session,
      ...(verdict.state ? { state: verdict.state } : {}),
    });
  } finally {
    await session.close?.().catch((error: unknown) => log.warn('exchange session did not close', { run_id: runId, error: errorText(error) }));
  }
}

// The broker's session is opened on the bot's first ctx.exchange call: a run that never trades neither waits
// for the broker nor depends on it. If it cannot be opened, that call (and later ones) fail inside the bot.
function lazySession(open: () => Promise<ExchangeSession>): ExchangeSession {
  let opening: Promise<ExchangeSession> | undefined;
  let opened: ExchangeSession | undefined;
  return {
    async call(method, args) {
      opening ??= open().then(
        (session) => (opened = session),
        (error: unknown) => {
          const failure = new Error(`ctx.exchange.${method}() failed: the exchange session could not be opened: ${errorText(error)}`);
          failure.name = error instanceof Error && error.name !== 'Error' ? error.name : 'ExchangeNotAvailable';
          throw failure;
        },
      );
      return (await opening).call(method, args);
    },
    orders: () => opened?.orders() ?? [],
    commit: (sqlite) => opened?.commit?.(sqlite),
    close: async () => {
      await opened?.close?.();
    },
  };
}

/** What to send the child once it may start, or why it never does. */
type Begin = { start: StartMessage; timeoutMs: number } | NotStarted;
/** `forget`: the slot has not come, so its row is deleted rather than finished (botd stopping). */
type NotStarted = { status: 'skipped' | 'failed'; error: string; forget?: boolean };

/** Waits until `slot` (wall clock); false if `stop` is aborted first. */
async function untilSlot(slot: number, stop: AbortSignal): Promise<boolean> {
  for (;;) {
    if (stop.aborted) return false;
    const wait = slot - Date.now();
    if (wait <= 0) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, wait);
      stop.addEventListener('abort', done, { once: true });
    });
  }
}

/** Whether the subscription's current schedule still has `slot`. */
function slotStillScheduled(subscription: Subscription, slot: number): boolean {
  try {
    return new Calendar(subscription.schedule, subscription.timezone).latestAtOrBefore(slot) === slot;
  } catch {
    return false;
  }
}

interface ChildEnd {
  spawnError?: string;
  /** The child was spawned ahead of its slot and never started (see Begin). */
  notStarted?: NotStarted;
  timeoutMs: number;
  /** The bot broke a limit of its channel and was stopped. */
  violation?: string;
  result: ResultMessage | undefined;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  /** How the process group ended when botd had to stop it. */
  stopped?: GroupEnd | 'exited';
  tail: LogTail;
  signals: SignalInput[];
}

interface Verdict {
  status: FinalStatus;
  error: string | null;
  state?: Record<string, unknown>;
}

// Maps how the child ended to a run status. Order matters: a run past its timeout is `timed_out` even if
// the bot then returned; a shutdown that had to stop the child is `abandoned`.
function judge(end: ChildEnd, heapMb: number): Verdict {
  const { timeoutMs } = end;
  const how = end.stopped && end.stopped !== 'exited' && end.stopped !== 'gone' ? ` (${stoppedText(end.stopped)})` : '';
  if (end.spawnError) return { status: 'crashed', error: `the child process could not start: ${end.spawnError}` };
  if (end.notStarted) return { status: end.notStarted.status, error: end.notStarted.error };
  if (end.violation) return { status: 'failed', error: end.violation };
  if (end.timedOut) return { status: 'timed_out', error: `timed out after ${timeoutMs} ms${how}` };
  if (end.result?.ok) {
    const size = JSON.stringify(end.result.state).length;
    if (size > maxStateBytes) return { status: 'failed', error: `the bot's state is ${size} bytes, more than the ${maxStateBytes} a run may keep` };
    return { status: 'succeeded', error: null, state: end.result.state };
  }
  if (end.result && !end.result.ok) {
    const { stack } = end.result.error;
    if (stack) end.tail.line(stack);
    return { status: 'failed', error: end.result.kind === 'config' ? end.result.error.message : errorRecord(end.result.error) };
  }
  if (end.cancelled) return { status: 'abandoned', error: `botd stopped before the run finished${how}` };
  const output = end.tail.text();
  if (/heap out of memory|Reached heap limit/.test(output)) {
    return { status: 'crashed', error: `out of memory: the JavaScript heap reached its ${heapMb} MB limit` };
  }
  const cause = end.signal ? `ended by ${end.signal}` : `exited with code ${end.exitCode}`;
  const last = lastLine(output);
  return { status: 'crashed', error: `${cause} without reporting a result${last ? `: ${last}` : ''}` };
}

// 'boom', 'TypeError: boom', 'ERR_ACCESS_DENIED: Access to this API has been restricted (FileSystemRead: /etc/passwd)'.
function errorRecord({ name, message, code, permission, resource }: BotError): string {
  const label = code ? (name === 'Error' ? code : `${name} [${code}]`) : name === 'Error' ? '' : name;
  // Node 20 reports no resource for a refused spawn or worker (an empty string).
  const detail = permission ? ` (${permission}${resource ? `: ${resource}` : ''})` : '';
  return `${label ? `${label}: ` : ''}${message}${detail}`;
}

function stoppedText(stopped: GroupEnd): string {
  if (stopped === 'terminated') return 'stopped by SIGTERM';
  if (stopped === 'killed') return 'killed by SIGKILL after ignoring SIGTERM';
  return 'some processes survived SIGKILL';
}

interface Supervision {
  launch: ChildStart;
  /** Resolves when the child may start (at once, or at the slot when pre-warmed). */
  begin(): Promise<Begin>;
  session: ExchangeSession;
  heapMb: number;
  killGraceMs: number;
  sandbox: boolean;
  tail: LogTail;
  cancel: AbortSignal | undefined;
  onSpawn(pid: number): void;
  /** The start message has been sent. */
  onStart(pid: number): void;
}

async function supervise(s: Supervision): Promise<ChildEnd> {
  const { tail } = s;
  const signals: SignalInput[] = [];
  const nodeArgs = s.sandbox ? sandboxNodeArgs(s.launch.readable, s.heapMb) : [`--max-old-space-size=${s.heapMb}`];
  const end: ChildEnd = { result: undefined, exitCode: null, signal: null, timedOut: false, cancelled: false, tail, signals, timeoutMs: 0 };

  // node:child_process rather than execa: none of execa's features apply here (output is streamed into the
  // tail, the kill sequence and the message channel are ours), and it measured ~8 ms slower per execution.
  const child = spawn(process.execPath, [...nodeArgs, ...s.launch.entry, '--botctl-child'], {
    // Its own process group (and session): the group is what gets signalled, descendants included.
    detached: true,
    // The child's whole environment: nothing of the daemon's.
    env: { ...sandboxEnv(), ...s.launch.env },
    // stdout and stderr are consumed chunk by chunk into the bounded tail, never accumulated. fd 3 is the
    // message channel, a socketpair read with a size limit. No 'ipc': Node's channel buffers a message of any
    // size, so the child has none (process.send is undefined there).
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  // A duplex socket on Unix, where libuv makes every stdio pipe a socketpair.
  const channel = child.stdio[3] as Socket;
  // Errors on it mean the child closed its end or is gone: its exit tells the rest.
  channel.on('error', () => {});
  // Resolves once the pipes and the channel have delivered their last byte (or closed abnormally).
  const drained = Promise.all(
    [child.stdout, child.stderr, channel].map((stream) => stream && new Promise<void>((resolve) => stream.once('close', () => resolve()))),
  );
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      end.exitCode = code;
      end.signal = signal;
      resolve();
    });
    // Spawning failed (no 'exit' follows), or a later error of the handle.
    child.on('error', (error) => {
      spawnError ??= error;
      if (child.pid === undefined) resolve();
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    await exited;
    return { ...end, spawnError: spawnError?.message ?? 'spawn failed' };
  }
  // Bots yield the CPU to botd itself: a burst of children starting must not delay the next spawn.
  try {
    setPriority(pid, Math.min(19, getPriority() + childNiceness));
  } catch {
    // Not permitted (or already gone): it runs at botd's priority.
  }
  s.onSpawn(pid);

  child.stdout?.on('data', (chunk: Buffer) => tail.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => tail.write(chunk));

  const send = (message: ParentMessage) => {
    // A bot that has reported closes its end: nothing more is written to it.
    if (end.result || end.violation || !channel.writable) return;
    let line: string;
    try {
      line = encodeMessage(message);
    } catch (error) {
      tail.line(`[botd] could not send ${message.type} to the bot: ${errorText(error)}`);
      if (message.type === 'exchange-reply' && message.ok) {
        send({ type: 'exchange-reply', id: message.id, ok: false, error: { name: 'ExchangeError', message: `botd could not send the reply: ${errorText(error)}` } });
      }
      return;
    }
    channel.write(line);
  };
  let inFlight = 0;
  let exchangeCalls = 0;
  const serve = async (call: ExchangeCall) => {
    if (++exchangeCalls > maxExchangeCallsPerRun) {
      const method = typeof call.method === 'string' ? call.method.slice(0, 100) : '?';
      const message = `ctx.exchange.${method}() refused: botd serves at most ${maxExchangeCallsPerRun} exchange calls per run`;
      send({ type: 'exchange-reply', id: call.id, ok: false, error: { name: 'ExchangeError', message } });
      return;
    }
    inFlight++;
    try {
      const value = await s.session.call(call.method, Array.isArray(call.args) ? call.args : []);
      send({ type: 'exchange-reply', id: call.id, ok: true, value });
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      send({ type: 'exchange-reply', id: call.id, ok: false, error: { name: e.name, message: e.message } });
    } finally {
      inFlight--;
      pump();
    }
  };

  let exitedYet = false;
  void exited.then(() => {
    exitedYet = true;
    // Nothing is read by a child that is gone: what it sent before is handled regardless.
    pump();
  });
  const exitWithin = (ms: number) =>
    Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, ms, false).unref())]);

  let stopping: Promise<void> | undefined;
  // Abort message first (ctx.abortSignal fires, a cooperative bot returns), then SIGTERM to the group, a
  // grace period, SIGKILL. `abort` is false once the bot has reported: it only needs to go.
  const stop = (abort: boolean) => {
    stopping ??= (async () => {
      if (abort && !exitedYet) {
        send({ type: 'abort', reason: end.timedOut ? `timed out after ${end.timeoutMs} ms` : 'botd is shutting down' });
        if (await exitWithin(s.killGraceMs)) {
          end.stopped = 'exited';
          return;
        }
      }
      end.stopped = await terminateGroup(pid, s.killGraceMs);
    })().catch((error: unknown) => {
      tail.line(`[botd] could not stop the bot's processes: ${errorText(error)}`);
    });
    return stopping;
  };

  // The bot broke a limit: stop reading (nothing more of it is buffered), stop its processes, fail the run.
  const violate = (error: string) => {
    if (end.violation) return;
    end.violation = error;
    queue.length = 0;
    next = 0;
    channel.destroy();
    tail.line(`[botd] ${error}: the bot was stopped`);
    void stop(false);
  };

  // Finished lines not handled yet: at most one read's worth, as reading pauses while they wait.
  const queue: string[] = [];
  let next = 0;
  let messages = 0;
  let channelBytes = 0;
  const decoder = new LineDecoder(maxMessageBytes);
  const throttled = () => !exitedYet && (inFlight >= maxCallsInFlight || channel.writableLength > maxUnreadReplyBytes);
  const pump = () => {
    while (next < queue.length && !end.violation && !throttled()) handle(queue[next++] ?? '');
    if (next >= queue.length) {
      queue.length = 0;
      next = 0;
    }
    if (end.violation) return;
    if (queue.length > 0) channel.pause();
    else channel.resume();
  };
  channel.on('drain', pump);
  channel.on('data', (chunk: Buffer) => {
    if (end.violation) return;
    channelBytes += chunk.length;
    for (const line of decoder.push(chunk)) queue.push(line);
    if (decoder.overflowed) violate(`the bot sent an IPC message over ${mib(maxMessageBytes)} (botd's limit)`);
    else if (channelBytes > maxChannelBytesPerRun) violate(`the bot sent more than ${mib(maxChannelBytesPerRun)} of IPC messages in one run (botd's limit)`);
    else pump();
  });

  const handle = (line: string) => {
    if (++messages > maxMessagesPerRun) return violate(`the bot sent more than ${maxMessagesPerRun} IPC messages in one run (botd's limit)`);
    try {
      receive(JSON.parse(line) as ChildMessage);
    } catch {
      // Not JSON, or a value built to throw when read (a `toString` that is not a function): never botd's problem.
      tail.line('[botd] a malformed IPC message was ignored');
    }
  };
  const receive = (message: ChildMessage) => {
    switch (message?.type) {
      case 'exchange-call':
        void serve(message);
        break;
      case 'log':
        tail.line(`${String(message.level).toUpperCase()} ${String(message.message)}${message.fields ? ` ${safeJson(message.fields)}` : ''}`);
        break;
      case 'signal': {
        const signal = validSignal(message.signal);
        if (!signal) tail.line('[botd] a malformed signal was ignored');
        else if (signals.length < maxSignalsPerRun) signals.push(signal);
        else if (signals.length === maxSignalsPerRun) tail.line(`[botd] more than ${maxSignalsPerRun} signals; the rest are dropped`);
        break;
      }
      case 'result':
        end.result ??= validResult(message);
        // The child closes the channel and should exit now; if the bot left work behind, end it after a grace period.
        // Output still queued in the child (pipe writes are asynchronous) is flushed first, hence at least 2 s.
        void exitWithin(Math.max(s.killGraceMs, 2_000)).then((gone) => {
          if (!gone) void stop(false);
        });
        break;
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const onCancel = () => {
    if (end.result) return;
    end.cancelled = true;
    void stop(true);
  };
  let begin: Begin;
  try {
    begin = await s.begin();
  } catch (error) {
    begin = { status: 'failed', error: `botd could not start the run: ${errorText(error)}` };
  }
  if ('status' in begin) {
    // Never told to start, so it has done nothing: close its channel (it exits on its own) and stop its group.
    end.notStarted = begin;
    channel.destroy();
    void stop(false);
  } else {
    end.timeoutMs = begin.timeoutMs;
    // The timeout counts from the start message, not from a pre-warmed spawn.
    timer = setTimeout(() => {
      if (end.result) return;
      end.timedOut = true;
      void stop(true);
    }, begin.timeoutMs);
    if (s.cancel?.aborted) onCancel();
    else s.cancel?.addEventListener('abort', onCancel, { once: true });
    send(begin.start);
    s.onStart(pid);
  }
  await exited;
  clearTimeout(timer);
  s.cancel?.removeEventListener('abort', onCancel);
  if (stopping) await stopping;
  // The child is gone; whatever it started (outside the sandbox) must not outlive it.
  if (groupAlive(pid)) {
    const leftover = await terminateGroup(pid, Math.min(s.killGraceMs, 1_000));
    tail.line(`[botd] processes the bot left behind were ended (${leftover})`);
  }
  // Let the pipes drain; nothing of the group is left to hold them open, but never wait on them forever.
  await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  return end;
}

// Messages come from bot code, which may be hostile: only well-formed values reach the ledger.
function validSignal(value: unknown): SignalInput | undefined {
  if (!isPlainObject(value) || typeof value.action !== 'string' || value.action.length > 100) return undefined;
  const symbol = typeof value.symbol === 'string' ? value.symbol.slice(0, 100) : undefined;
  return { ...(value as unknown as SignalInput), ...(symbol === undefined ? {} : { symbol }) };
}

function validResult(message: ResultMessage): ResultMessage {
  const raw = message as unknown as Record<string, unknown>;
  if (raw.ok === true) {
    return isPlainObject(raw.state) ? { type: 'result', ok: true, state: raw.state } : invalidResult('its state is not an object');
  }
  const error = isPlainObject(raw.error) ? raw.error : {};
  return {
    type: 'result',
    ok: false,
    kind: raw.kind === 'config' ? 'config' : 'error',
    error: {
      name: typeof error.name === 'string' ? error.name : 'Error',
      message: typeof error.message === 'string' ? error.message : safeJson(error.message ?? 'unknown error'),
      ...(typeof error.stack === 'string' ? { stack: error.stack } : {}),
      ...(typeof error.code === 'string' ? { code: error.code } : {}),
      ...(typeof error.permission === 'string' ? { permission: error.permission } : {}),
      ...(typeof error.resource === 'string' ? { resource: error.resource } : {}),
    },
  };
}

function invalidResult(why: string): ResultMessage {
  return { type: 'result', ok: false, kind: 'error', error: { name: 'ProtocolError', message: `the bot reported a malformed result: ${why}` } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[unserialisable fields]';
  }
}

function mib(bytes: number): string {
  return `${bytes / 1024 / 1024} MiB`;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  const line = lines[lines.length - 1]?.trim() ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
