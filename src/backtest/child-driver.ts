// Drives the one sandboxed child of a backtest: spawned as a run's child is (daemon/spawn-child.ts), sent the candles
// and the start, the calls its own engine served (child-exchange.ts) served again here one at a time in the order they
// came and checked answer by answer, its failures and progress passed on, until it reports its result and exits.
import type { Socket } from 'node:net';
import type { BundledBot } from '../bots/bundle.js';
import { childStart } from '../daemon/child-start.js';
import { errorText, silentLogger } from '../daemon/log.js';
import { signalGroup, terminateGroup } from '../daemon/process-group.js';
import { defaultHeapMb } from '../daemon/defaults.js';
import { spawnBotChild, type SpawnedBotChild } from '../daemon/spawn-child.js';
import { BotctlError } from '../errors.js';
import { homePaths } from '../home.js';
import { columns, type CandleSeries } from '../market-data/candle-series.js';
import { encodeMessage, LineDecoder } from '../runtime/message-channel.js';
import { backtestArg, type BacktestCalls, type BacktestCandles, type BacktestResult, type BacktestStart, type BotError, type ServedCall } from '../runtime/protocol.js';
import { argsOf, isServedCall, outcomeOf, sameOutcome } from './served-calls.js';

export interface ChildOptions {
  bundle: BundledBot;
  /** An uploaded bot (the OS sandbox is required for those unless the operator allowed otherwise). */
  custom: boolean;
  home: string;
  heapMb?: number;
  sandbox?: boolean;
}

export interface RunOptions {
  /** The candles the run may read; sent only when they differ from what this child last got (`seriesKey`). */
  series: CandleSeries;
  seriesKey: string;
  start: BacktestStart;
  /** Serves a call the child's engine served, as the source of truth: the child's answer must match. */
  serve(call: ServedCall, args: unknown[]): Promise<unknown>;
  onFailure(slot: number, error: BotError): void;
  onProgress?(done: number): void;
  cancel?: AbortSignal | undefined;
  /** How long the child may send nothing before it is stopped as stuck (default 60 s). */
  silenceMs?: number | undefined;
}

export interface DriveEnd {
  result: BacktestResult | undefined;
  exitCode: number | null;
  signal: string | null;
  /** The kernel killed it for its cgroup's memory budget: why, in a sentence (a bare SIGKILL otherwise). */
  outOfMemory?: string;
  /** The last of the child's stdout and stderr: why it ended, when it ended without a result. */
  output: string;
  /** Set when the parent stopped the child (cancelled, or it broke the channel's limits). */
  stopped?: string;
  /** Set when the child's engine answered a call otherwise than the parent's book: which call, and how. */
  diverged?: string;
}

/** A child that sends nothing for this long is stuck: it reports progress at least every second while it runs. */
const defaultSilenceMs = 60_000;
/** Failures kept for the report, as the child reports at most that many (more are a bot writing them itself). */
const maxFailures = 100;

/** One message the parent reads at most; a backtest's calls and failures are small. */
const maxMessageBytes = 1024 * 1024;
/** Values per candle chunk: 512 KiB of float64, under 700 KiB of base64. */
const chunkValues = 65_536;

/** A backtest's single run: one child for it alone, which ends with the run. */
export async function driveChild(o: ChildOptions & RunOptions): Promise<DriveEnd> {
  const child = BacktestChild.start(o);
  try {
    return await child.run(o);
  } finally {
    await child.close();
  }
}

/**
 * One sandboxed backtest child, spawned as a run's child is (daemon/spawn-child.ts), running one backtest after
 * another (a sweep's, each with `more` set but the last): candles and a start in, exchange calls served one at a
 * time in the order they come (a slot's calls before the next slot's), failures and progress passed on, the result out.
 */
export class BacktestChild {
  readonly pid: number | undefined;
  private readonly channel: Socket;
  private readonly exited: Promise<void>;
  /** The channel closed: the bot's process has gone (or the parent closed it). */
  private readonly channelClosed: Promise<void>;
  private readonly end: Omit<DriveEnd, 'result'> = { exitCode: null, signal: null, output: '' };
  private alive = true;
  private sentKey: string | undefined;
  private runs = 0;
  /** The run under way: its handlers, and what settles it. */
  private current:
    | {
        o: RunOptions;
        run: number;
        queue: Promise<void>;
        /** Calls received in batches so far: the next batch must start there, and the result must count them all. */
        received: number;
        failures: number;
        heard: number;
        done(result: BacktestResult | undefined): void;
      }
    | undefined;

  static start(o: ChildOptions): BacktestChild {
    const heapMb = o.heapMb ?? defaultHeapMb;
    const launch = childStart(o.bundle, { cacheDir: homePaths(o.home).bundleCache, heapMb, log: silentLogger });
    try {
      return new BacktestChild(spawnBotChild({ launch, heapMb, sandbox: o.sandbox ?? true, custom: o.custom, mode: backtestArg }));
    } catch (error) {
      // SandboxRefused: an uploaded bot where the OS sandbox cannot be had.
      throw new BotctlError('runtime_failure', `The backtest's child may not start: ${errorText(error)}.`);
    }
  }

  private constructor(spawned: SpawnedBotChild) {
    const { child } = spawned;
    this.pid = child.pid;
    this.channel = child.stdio[3] as Socket;
    this.channel.on('error', () => {});
    const keep = (chunk: Buffer) => (this.end.output = (this.end.output + chunk.toString('utf8')).slice(-8_192));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        [this.end.exitCode, this.end.signal] = spawned.exit(code, signal);
        const outOfMemory = spawned.outOfMemory();
        if (outOfMemory) this.end.outOfMemory = outOfMemory;
        this.alive = false;
        resolve();
      });
      child.once('error', (error) => {
        this.end.output += `\n${errorText(error)}`;
        if (child.pid === undefined) {
          this.alive = false;
          resolve();
        }
      });
    });
    // Gone once it exited and its channel is read to the end (a result written just before the exit still counts).
    this.channelClosed = new Promise<void>((resolve) => this.channel.once('close', () => resolve()));
    void Promise.all([this.exited, this.channelClosed]).then(() => this.current?.done(undefined));
    const decoder = new LineDecoder(maxMessageBytes);
    this.channel.on('data', (chunk: Buffer) => {
      for (const line of decoder.push(chunk)) this.receive(line);
      if (decoder.overflowed) this.stop(`the bot sent a message over ${maxMessageBytes} bytes`);
    });
  }

  /** False once the child has exited: a sweep starts another for the runs left. */
  get usable(): boolean {
    return this.alive && this.end.stopped === undefined;
  }

  /** Runs one backtest in this child; the result is undefined when the child ended first (see `end`). */
  async run(o: RunOptions): Promise<DriveEnd> {
    if (!this.usable) return { result: undefined, ...this.end };
    const run = this.runs++;
    let done!: (result: BacktestResult | undefined) => void;
    const finished = new Promise<BacktestResult | undefined>((resolve) => (done = resolve));
    this.current = { o, run, queue: Promise.resolve(), received: 0, failures: 0, heard: Date.now(), done };
    const silenceMs = o.silenceMs ?? defaultSilenceMs;
    // A slot that never ends (a loop in the bot) would hold the backtest forever: the child reports progress at least
    // every second while it runs, so a long silence means the bot is stuck.
    const watch = setInterval(() => {
      if (this.current && Date.now() - this.current.heard > silenceMs) this.stop(`it sent nothing for ${silenceMs / 1000} s: a slot that never ends?`);
    }, Math.min(1_000, silenceMs / 4));
    watch.unref();
    const onCancel = () => this.stop('cancelled');
    if (o.cancel?.aborted) onCancel();
    o.cancel?.addEventListener('abort', onCancel, { once: true });
    try {
      if (this.sentKey !== o.seriesKey) {
        await sendCandles(this.channel, o.series);
        this.sentKey = o.seriesKey;
      }
      this.channel.write(encodeMessage({ ...o.start, run }));
    } catch (error) {
      this.stop(`the candles could not be sent: ${errorText(error)}`);
    }
    const result = await finished;
    clearInterval(watch);
    // Calls the bot made before its result are answered before the run counts as done.
    await this.current.queue;
    o.cancel?.removeEventListener('abort', onCancel);
    this.current = undefined;
    return { result, ...this.end };
  }

  /**
   * Ends the child and says how it ended. Its results are in (or no longer wanted), so its process group is killed at
   * once, as botd kills a run's at its result (daemon/supervise.ts): a timer or an exit handler the bot left behind
   * does not run, print or take the CPU once the backtest has its answer. Should the signal fail, the usual stop.
   */
  async close(): Promise<Omit<DriveEnd, 'result'>> {
    const pid = this.pid;
    // Its channel is left open until the bot's process is gone: a child that saw it close would begin to exit by
    // itself and run the bot's exit handlers on the way. The signal ends bwrap; the bot's process, in a session of
    // its own inside, goes a moment later with bwrap's namespace (bwrap-args.ts), and its end of the channel with it.
    if (pid !== undefined && this.alive) {
      try {
        signalGroup(pid, 'SIGKILL');
      } catch {
        await terminateGroup(pid, 1_000);
      }
      const gone = await Promise.race([this.channelClosed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000).unref())]);
      if (!gone) this.end.stopped ??= 'its channel stayed open 2 s after its process group was killed';
    }
    this.channel.destroy();
    await this.exited;
    return { ...this.end };
  }

  // Every line must be a message this protocol has: a line that is not (a bot writing to the channel itself, say a
  // partial line that would swallow the next batch of calls) stops the child, so no batch can go missing unseen.
  private receive(line: string): void {
    const current = this.current;
    let message: { type?: unknown } | null;
    try {
      message = JSON.parse(line) as { type?: unknown } | null;
    } catch {
      return this.stop('the child sent a line that is not JSON');
    }
    if (typeof message !== 'object' || message === null) return this.stop('the child sent a line that is not a message');
    if (!current) return;
    current.heard = Date.now();
    if (message.type === 'backtest-calls') {
      const batch = message as BacktestCalls;
      if (!Array.isArray(batch.calls) || batch.first !== current.received) return this.stop(`the child sent a batch of calls out of order (from ${String(batch.first)}, expected ${current.received})`);
      if (batch.run !== current.run) return this.stop(`the child sent calls of a run other than ${current.run}`);
      // Checked as they arrive, before anything after them: the first broken record is the reason given.
      const calls: { call: ServedCall; args: unknown[] }[] = [];
      for (const record of batch.calls as unknown[]) {
        const call = isServedCall(record) ? record : undefined;
        const args = call && argsOf(call);
        if (!call || !args) return this.stop('the child sent a malformed call record');
        calls.push({ call, args });
      }
      current.received += calls.length;
      current.queue = current.queue.then(() => this.replay(current, calls));
    } else if (message.type === 'slot-failed') {
      const failed = message as { slot?: unknown; error?: Partial<BotError> | null };
      if (!Number.isSafeInteger(failed.slot) || typeof failed.error?.name !== 'string' || typeof failed.error.message !== 'string') return this.stop('the child sent a malformed failure');
      if (++current.failures > maxFailures) return;
      const error = failed.error as BotError;
      current.queue = current.queue.then(() => current.o.onFailure(failed.slot as number, error));
    } else if (message.type === 'progress') current.o.onProgress?.(Number((message as { done: number }).done));
    else if (message.type === 'backtest-result') {
      const result = message as BacktestResult;
      if (!isResult(result)) return this.stop('the child sent a malformed result');
      if (result.calls !== current.received) return this.stop(`the child reported ${result.calls} calls served but sent ${current.received}`);
      current.done(result);
    } else this.stop(`the child sent a message of an unknown type (${JSON.stringify(message.type)?.slice(0, 40)})`);
  }

  // Served one after another, as the child served them: the paper account and the simulated time move forward only.
  // The bot shares its process with the child's engine, so its answers are checked, never used: the first that
  // differs from this book's (a bot that patched a built-in the engine uses, say) stops the backtest.
  private async replay(current: NonNullable<BacktestChild['current']>, calls: { call: ServedCall; args: unknown[] }[]): Promise<void> {
    for (const { call, args } of calls) {
      if (this.end.stopped !== undefined) return;
      const { outcome, json } = await outcomeOf(() => current.o.serve(call, args));
      if (sameOutcome(call, outcome)) continue;
      const own = outcome.error ? `${outcome.error.name}: ${outcome.error.message}` : (json ?? 'no value');
      const theirs = call.error ? `, where the child's said ${call.error.name}: ${call.error.message}` : '';
      this.end.diverged = `slot ${call.slot} (${new Date(call.at).toISOString()}): ${call.method} was answered in the bot's process otherwise than by botctl's own paper engine, which said ${own.length > 300 ? `${own.slice(0, 300)}…` : own}${theirs}. Something in the bot's process changed how the engine there works (a patched built-in?), so this backtest cannot be trusted`;
      return this.stop(this.end.diverged);
    }
  }

  private stop(why: string): void {
    this.end.stopped ??= why;
    this.channel.destroy();
    if (this.pid !== undefined) void terminateGroup(this.pid, 2_000);
  }
}

function isResult(r: BacktestResult): boolean {
  const numbers = (values: unknown) => Array.isArray(values) && values.every((v) => typeof v === 'number');
  const strings = (values: unknown) => Array.isArray(values) && values.every((v) => typeof v === 'string');
  return (
    typeof r.ok === 'boolean' && [r.done, r.failed, r.loopMs, r.maxRssKb, r.calls].every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0) &&
    numbers(r.skipped) && r.skipped.length <= r.done && r.failed <= r.done &&
    strings(r.logTail) && Array.isArray(r.signals) && typeof r.state === 'object' && r.state !== null &&
    (r.configError === undefined || typeof r.configError === 'string')
  );
}

async function sendCandles(channel: Socket, series: CandleSeries): Promise<void> {
  for (const column of columns) {
    for (let offset = 0; offset < series.length; offset += chunkValues) {
      const values = series[column].subarray(offset, Math.min(series.length, offset + chunkValues));
      const message: BacktestCandles = {
        type: 'backtest-candles', timeframe: series.timeframe, count: series.length, column, offset,
        data: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64'),
      };
      if (!channel.write(encodeMessage(message))) await drained(channel);
    }
  }
}

function drained(channel: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      channel.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      channel.off('drain', onDrain);
      reject(new Error('the child closed its channel'));
    };
    channel.once('drain', onDrain);
    channel.once('close', onClose);
  });
}
