// Messages between botd (parent) and one bot execution (child) over Node's IPC channel.
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

export type ResultMessage =
  | { type: 'result'; ok: true; state: Record<string, unknown> }
  | { type: 'result'; ok: false; kind: 'config' | 'error'; error: { name: string; message: string; stack?: string } };

export type ChildMessage = ExchangeCall | LogMessage | SignalMessage | ResultMessage;
