import type { Balances, MarketInterface, OHLCV, Order, Position, Ticker } from 'ccxt';
import type { ZodType } from 'zod';

export type Mode = 'paper' | 'testnet' | 'live';
export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop_market' | 'take_profit_market' | (string & {});

/** A ccxt market; never undefined here (an unknown symbol rejects with BadSymbol). */
export type Market = MarketInterface;
export type { Balances, OHLCV, Order, Position, Ticker };

/**
 * The ccxt unified API subset a bot may call, with ccxt's result shapes. Every call goes through the daemon's
 * broker: orders and leverage are checked against the subscription's risk limits before ccxt sees them, and
 * each order gets a deterministic client order id (pass `params.intent`, e.g. 'entry' or 'stop-loss', to name
 * it; otherwise the order's index in the run names it), so a retried call cannot place a second order.
 * Markets always express precision as tick sizes (0.001), whatever the exchange's own precision mode.
 */
export interface BotExchange {
  readonly id: string;
  /** All markets, each without its raw `info` (it can be megabytes on large exchanges); market() has it. */
  loadMarkets(): Promise<Record<string, Market>>;
  market(symbol: string): Promise<Market>;
  fetchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<OHLCV[]>;
  fetchTicker(symbol: string): Promise<Ticker>;
  fetchBalance(params?: Record<string, unknown>): Promise<Balances>;
  /** Defaults to the subscription's pair; other symbols are refused (they may belong to other subscriptions). */
  fetchPositions(symbols?: string[], params?: Record<string, unknown>): Promise<Position[]>;
  /** Defaults to the subscription's pair. Trigger orders (stops) need `{ trigger: true }` on most exchanges. */
  fetchOpenOrders(symbol?: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<Order[]>;
  createOrder(
    symbol: string,
    type: OrderType,
    side: OrderSide,
    amount: number,
    price?: number,
    params?: OrderParams,
  ): Promise<Order>;
  cancelOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<Order>;
  setLeverage(leverage: number, symbol?: string, params?: Record<string, unknown>): Promise<unknown>;
}

/** ccxt's createOrder params, plus `intent`: the bot's name for this order within the run (see BotExchange). */
export interface OrderParams extends Record<string, unknown> {
  intent?: string;
  reduceOnly?: boolean;
  stopLossPrice?: number;
  takeProfitPrice?: number;
  triggerPrice?: number;
  stopPrice?: number;
  leverage?: number;
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
