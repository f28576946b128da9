// Drives the one sandboxed child of a backtest: spawned as a run's child is (daemon/spawn-child.ts), sent the candles
// and the start, its exchange calls served one at a time in the order they come (a slot's calls before the next
// slot's), its failures and progress passed on, until it reports its result and exits.
import type { Socket } from 'node:net';
import type { BundledBot } from '../bots/bundle.js';
import { childStart } from '../daemon/child-start.js';
import { errorText, silentLogger } from '../daemon/log.js';
import { groupAlive, terminateGroup } from '../daemon/process-group.js';
import { defaultHeapMb } from '../daemon/defaults.js';
import { spawnBotChild, type SpawnedBotChild } from '../daemon/spawn-child.js';
import { BotctlError } from '../errors.js';
import { homePaths } from '../home.js';
import { columns, type CandleSeries } from '../market-data/candle-series.js';
import { encodeMessage, LineDecoder } from '../runtime/message-channel.js';
import { backtestArg, type BacktestCandles, type BacktestResult, type BacktestStart, type BotError, type SlotCall } from '../runtime/protocol.js';

export interface DriveOptions {
  bundle: BundledBot;
  /** An uploaded bot (the OS sandbox is required for those unless the operator allowed otherwise). */
  custom: boolean;
  home: string;
  heapMb?: number;
  sandbox?: boolean;
  series: CandleSeries;
  start: BacktestStart;
  serve(call: SlotCall): Promise<unknown>;
  onFailure(slot: number, error: BotError): void;
  onProgress?(done: number): void;
  cancel?: AbortSignal | undefined;
}

export interface DriveEnd {
  result: BacktestResult | undefined;
  exitCode: number | null;
  signal: string | null;
  /** The last of the child's stdout and stderr: why it ended, when it ended without a result. */
  output: string;
  /** Set when the parent stopped the child (cancelled, or it broke the channel's limits). */
  stopped?: string;
}

/** One message the parent reads at most; a backtest's calls and failures are small. */
const maxMessageBytes = 1024 * 1024;
/** Values per candle chunk: 512 KiB of float64, under 700 KiB of base64. */
const chunkValues = 65_536;

export async function driveChild(o: DriveOptions): Promise<DriveEnd> {
  const heapMb = o.heapMb ?? defaultHeapMb;
  const launch = childStart(o.bundle, { cacheDir: homePaths(o.home).bundleCache, heapMb, log: silentLogger });
  let spawned: SpawnedBotChild;
  try {
    spawned = spawnBotChild({ launch, heapMb, sandbox: o.sandbox ?? true, custom: o.custom, mode: backtestArg });
  } catch (error) {
    // SandboxRefused: an uploaded bot where the OS sandbox cannot be had.
    throw new BotctlError('runtime_failure', `The backtest's child may not start: ${errorText(error)}.`);
  }
  const { child } = spawned;
  const channel = child.stdio[3] as Socket;
  channel.on('error', () => {});
  const end: DriveEnd = { result: undefined, exitCode: null, signal: null, output: '' };
  const keep = (chunk: Buffer) => (end.output = (end.output + chunk.toString('utf8')).slice(-8_192));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      [end.exitCode, end.signal] = spawned.exit(code, signal);
      resolve();
    });
    child.once('error', (error) => {
      end.output += `\n${errorText(error)}`;
      if (child.pid === undefined) resolve();
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    await exited;
    return end;
  }
  const stop = (why: string) => {
    end.stopped ??= why;
    channel.destroy();
    void terminateGroup(pid, 2_000);
  };
  const onCancel = () => stop('cancelled');
  if (o.cancel?.aborted) onCancel();
  o.cancel?.addEventListener('abort', onCancel, { once: true });

  // Calls are served one after another: the paper account and the simulated time move forward only.
  let queue = Promise.resolve();
  const decoder = new LineDecoder(maxMessageBytes);
  channel.on('data', (chunk: Buffer) => {
    for (const line of decoder.push(chunk)) {
      let message: { type?: unknown };
      try {
        message = JSON.parse(line) as { type?: unknown };
      } catch {
        continue;
      }
      if (message.type === 'exchange-call') {
        const call = message as SlotCall;
        queue = queue.then(() => reply(call));
      } else if (message.type === 'slot-failed') {
        const failed = message as { slot: number; error: BotError };
        queue = queue.then(() => o.onFailure(Number(failed.slot), failed.error));
      } else if (message.type === 'progress') o.onProgress?.(Number((message as { done: number }).done));
      else if (message.type === 'backtest-result') end.result = message as BacktestResult;
    }
    if (decoder.overflowed) stop(`the bot sent a message over ${maxMessageBytes} bytes`);
  });
  const reply = async (call: SlotCall) => {
    let answer: unknown;
    try {
      answer = { type: 'exchange-reply', id: call.id, ok: true, value: await o.serve(call) };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      answer = { type: 'exchange-reply', id: call.id, ok: false, error: { name: e.name, message: e.message } };
    }
    if (channel.writable) channel.write(encodeMessage(answer));
  };

  try {
    await sendCandles(channel, o.series);
    channel.write(encodeMessage(o.start));
  } catch (error) {
    stop(`the candles could not be sent: ${errorText(error)}`);
  }
  await exited;
  await queue;
  o.cancel?.removeEventListener('abort', onCancel);
  if (groupAlive(pid)) await terminateGroup(pid, 1_000);
  return end;
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
