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
