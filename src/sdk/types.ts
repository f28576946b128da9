import type { Balances, OHLCV, Order, Position, Ticker } from 'ccxt';
import type { ZodType } from 'zod';
import type { ExchangeMethods } from './exchange-methods.js';

export type Mode = 'paper' | 'testnet' | 'live';
export type { Market, OrderParams, OrderSide, OrderType } from './exchange-methods.js';
export type { Balances, OHLCV, Order, Position, Ticker };

/**
 * The ccxt unified API subset a bot may call, with ccxt's result shapes (the methods: exchange-methods.ts).
 * Every call goes through the daemon's broker: orders and leverage are checked against the subscription's risk
 * limits before ccxt sees them, and each order gets a deterministic client order id (pass `params.intent`, e.g.
 * 'entry' or 'stop-loss', to name it; otherwise the order's index in the run names it), so a retried call
 * cannot place a second order. Markets always express precision as tick sizes (0.001), whatever the exchange's
 * own precision mode.
 */
export interface BotExchange extends ExchangeMethods {
  readonly id: string;
}

export interface BotState {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface BotLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A trading decision recorded without an order (signal bots, or alongside orders for the audit trail). */
export interface SignalInput {
  action: 'buy' | 'sell' | 'long' | 'short' | 'close' | 'hold' | (string & {});
  symbol?: string;
  strength?: number;
  reason?: string;
  data?: Record<string, unknown>;
}

export interface BotContext<Config> {
  readonly config: Config;
  readonly pair: string;
  readonly mode: Mode;
  readonly subscriptionId: number;
  readonly runId: number;
  /** ISO-8601 time this execution was scheduled for. */
  readonly scheduledFor: string;
  readonly exchange: BotExchange;
  readonly state: BotState;
  readonly log: BotLogger;
  /** Aborted when the run times out or the daemon shuts down: stop placing orders and return. */
  readonly abortSignal: AbortSignal;
  signal(signal: SignalInput): Promise<void>;
}

export interface BotDefinition<Schema extends ZodType = ZodType> {
  name: string;
  description: string;
  config: Schema;
  execute(ctx: BotContext<Schema['_output']>): Promise<void>;
}
