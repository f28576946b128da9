// Messages between botd (parent) and one bot execution (child), one JSON line each over the child's fd 3
// (framing and limits: message-channel.ts; Node's own IPC channel is not opened at all).
// The child never sees API keys, the database or the daemon's environment: everything it needs arrives here.

import type { Mode, SignalInput } from '../sdk/types.js';

export interface StartMessage {
  type: 'start';
  runId: number;
  subscriptionId: number;
  scheduledFor: string;
  pair: string;
  mode: Mode;
  exchangeId: string;
  /** Raw execution_config JSON from the subscription; the child validates it with the bot's schema. */
  config: unknown;
  /** The state the last successful run left. */
  state: Record<string, unknown>;
  /** Simulated time of the run (paper mode, parity tests): the child's clock starts there (runtime/sim-clock.ts). */
  clock?: number;
}

/** Parent asks the bot to stop (timeout or shutdown): ctx.abortSignal fires. */
export interface AbortMessage {
  type: 'abort';
  reason: string;
}

export interface ExchangeReply {
  type: 'exchange-reply';
  id: number;
  ok: boolean;
  value?: unknown;
  /** For a rejected call: the error class name (ccxt's or 'RiskRejected') and message, re-thrown in the bot. */
  error?: { name: string; message: string };
}

export type ParentMessage = StartMessage | AbortMessage | ExchangeReply;

export interface ExchangeCall {
  type: 'exchange-call';
  id: number;
  method: string;
  args: unknown[];
}

export interface LogMessage {
  type: 'log';
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

export interface SignalMessage {
  type: 'signal';
  signal: SignalInput;
}

/** What the child reports of an error the bot threw. */
export interface BotError {
  name: string;
  message: string;
  stack?: string;
  /** Node's error code, e.g. ERR_ACCESS_DENIED when the sandbox refused. */
  code?: string;
  /** For ERR_ACCESS_DENIED: the permission refused (e.g. FileSystemRead) and what it was asked for. */
  permission?: string;
  resource?: string;
}

export type ResultMessage =
  | { type: 'result'; ok: true; state: Record<string, unknown> }
  | { type: 'result'; ok: false; kind: 'config' | 'error'; error: BotError };

export type ChildMessage = ExchangeCall | LogMessage | SignalMessage | ResultMessage;

/** The entry mode of a backtest child (src/backtest/): every slot of a period in one process. */
export const backtestArg = '--botctl-backtest';

// A backtest: one child runs the bot at every slot of a period (src/runtime/backtest-loop.ts). The parent sends the
// candles first, in column chunks, then the start; the child answers fetchOHLCV and fetchTicker on the pair from
// them at each slot's simulated time, and serves everything else through its own exchange (local-exchange.ts),
// sending the calls in batches for the parent to serve again and check.

/** Part of one column of the candle series: float64 little-endian, base64. */
export interface BacktestCandles {
  type: 'backtest-candles';
  timeframe: string;
  /** Candles in the whole series. */
  count: number;
  column: 'time' | 'open' | 'high' | 'low' | 'close' | 'volume';
  offset: number;
  data: string;
}

export interface BacktestStart {
  type: 'backtest-start';
  pair: string;
  exchangeId: string;
  config: unknown;
  state: Record<string, unknown>;
  /** Slot times in ms: the list, or evenly spaced. */
  slots: { times: number[] } | { from: number; step: number; count: number };
  failFast: boolean;
  /** How many of the last log lines to report. */
  logLines: number;
  /** The pair's market as the parent's paper venue answers market(pair): the child answers that call itself. */
  market?: unknown;
  /** Which run of this child (a sweep's child runs config after config); its exchange calls carry it. */
  run?: number;
  /** Another start follows this run's result: the child keeps the channel open and evaluates the bot afresh. */
  more?: boolean;
  /** What the child's own exchange is set up from (runtime/local-exchange.ts); opaque to the runtime. */
  engine: unknown;
}

/** One call the child's exchange served, as the bot made it and with what it answered. */
export interface ServedCall {
  slot: number;
  /** The simulated time of the call (later than the slot's when the bot waited on a timer). */
  at: number;
  method: string;
  /** The arguments as JSON, as the engine got them. */
  args: string;
  /** sha256 of the answer's JSON ('' for no value), when it was served. */
  answer?: string;
  /** The error it was refused with, when it was not. */
  error?: { name: string; message: string };
}

/** Calls served in the child, in order, since the last batch. */
export interface BacktestCalls {
  type: 'backtest-calls';
  /** The run they belong to (BacktestStart.run). */
  run: number;
  /** How many calls of the run came before these: the parent checks that no batch went missing. */
  first: number;
  calls: ServedCall[];
}

export interface SlotFailed {
  type: 'slot-failed';
  slot: number;
  error: BotError;
}

export interface BacktestProgress {
  type: 'progress';
  /** Slots done. */
  done: number;
}

export interface BacktestResult {
  type: 'backtest-result';
  ok: boolean;
  /** Set when the config did not parse: nothing ran. */
  configError?: string;
  state: Record<string, unknown>;
  done: number;
  failed: number;
  /** Real time the slots took in the child, ms (its performance.now(), which the simulated clock leaves alone). */
  loopMs: number;
  /** The child's peak resident set size, KiB (getrusage). */
  maxRssKb: number;
  /** Calls its exchange served in the run, all of them sent in batches before this result. */
  calls: number;
  /** Slots not run because the one before ran past them in simulated time (botd records those `skipped`). */
  skipped: number[];
  logTail: string[];
  signals: (SignalInput & { time: number })[];
}
