import type { Balances, Market, OHLCV, Order, Position, Ticker } from 'ccxt';
import type { ZodType } from 'zod';

export type Mode = 'paper' | 'testnet' | 'live';
export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop_market' | 'take_profit_market' | (string & {});

export type { Balances, Market, OHLCV, Order, Position, Ticker };

/** The ccxt unified API subset a bot may call. Every call goes through the daemon's broker and risk guard. */
export interface BotExchange {
  readonly id: string;
  loadMarkets(): Promise<Record<string, Market>>;
  market(symbol: string): Promise<Market>;
  fetchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<OHLCV[]>;
  fetchTicker(symbol: string): Promise<Ticker>;
  fetchBalance(): Promise<Balances>;
  fetchPositions(symbols?: string[]): Promise<Position[]>;
  fetchOpenOrders(symbol?: string): Promise<Order[]>;
  createOrder(
    symbol: string,
    type: OrderType,
    side: OrderSide,
    amount: number,
    price?: number,
    params?: Record<string, unknown>,
  ): Promise<Order>;
  cancelOrder(id: string, symbol?: string): Promise<Order>;
  setLeverage(leverage: number, symbol?: string): Promise<unknown>;
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
