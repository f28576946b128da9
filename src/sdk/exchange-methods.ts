// The exchange methods a bot may call, in one table: it drives the SDK's BotExchange type (types.ts), the
// child's ctx.exchange stub (runtime/bot-context.ts), the broker's dispatch (which arguments and params it passes
// on, broker/broker-session.ts), the risk guard (which calls it checks before any venue sees them: those that add
// exposure, broker/risk-guard.ts) and the paper venue (which must answer every method: paperVenue, in
// broker/paper-session.ts).
// Adding a method is one entry here plus its implementation in the broker (and its check, if it adds exposure).
import type { MarketInterface, OHLCV, Order, Position, Ticker, Balances } from 'ccxt';

/** A ccxt market; never undefined here (an unknown symbol rejects with BadSymbol). */
export type Market = MarketInterface;
export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop_market' | 'take_profit_market' | (string & {});

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

export interface ExchangeMethodSpec<Signature> {
  /** How many arguments are passed on; extra ones would reach ccxt as params. */
  arity: number;
  /**
   * The keys a bot may pass in `params`, its last argument; null when the method takes no params. Anything else
   * could override what the risk guard checked (Binance merges params into the request, so `quantity` would
   * replace the amount).
   */
  params: readonly string[] | null;
  /** May it add to the account's exposure (an order, more leverage)? Such calls are checked by the risk guard. */
  addsExposure: boolean;
  /** Type only: the method's signature in BotExchange. */
  readonly signature?: Signature;
}

type AnyMethod = (...args: never[]) => Promise<unknown>;

// Two overloads keep `addsExposure` a literal in the table's type, so the risk guard's ExposureMethod (the methods
// marked true) is known at compile time while each row still names its signature explicitly.
function method<Signature extends AnyMethod>(spec: ExchangeMethodSpec<Signature> & { addsExposure: true }): ExchangeMethodSpec<Signature> & { addsExposure: true };
function method<Signature extends AnyMethod>(spec: ExchangeMethodSpec<Signature> & { addsExposure: false }): ExchangeMethodSpec<Signature> & { addsExposure: false };
function method<Signature extends AnyMethod>(spec: ExchangeMethodSpec<Signature>): ExchangeMethodSpec<Signature> {
  return spec;
}

type Params = Record<string, unknown>;

export const exchangeMethods = {
  /** All markets, each without its raw `info` (it can be megabytes on large exchanges); market() has it. */
  loadMarkets: method<() => Promise<Record<string, Market>>>({ arity: 0, params: null, addsExposure: false }),
  market: method<(symbol: string) => Promise<Market>>({ arity: 1, params: null, addsExposure: false }),
  fetchOHLCV: method<(symbol: string, timeframe?: string, since?: number, limit?: number) => Promise<OHLCV[]>>({ arity: 4, params: null, addsExposure: false }),
  fetchTicker: method<(symbol: string) => Promise<Ticker>>({ arity: 1, params: null, addsExposure: false }),
  fetchBalance: method<(params?: Params) => Promise<Balances>>({ arity: 1, params: ['type'], addsExposure: false }),
  /** Defaults to the subscription's pair; other symbols are refused (they may belong to other subscriptions). */
  fetchPositions: method<(symbols?: string[], params?: Params) => Promise<Position[]>>({ arity: 2, params: [], addsExposure: false }),
  /** Defaults to the subscription's pair. Trigger orders (stops) need `{ trigger: true }` on most exchanges. */
  fetchOpenOrders: method<(symbol?: string, since?: number, limit?: number, params?: Params) => Promise<Order[]>>({
    arity: 4,
    params: ['trigger', 'stop'],
    addsExposure: false,
  }),
  createOrder: method<(symbol: string, type: OrderType, side: OrderSide, amount: number, price?: number, params?: OrderParams) => Promise<Order>>({
    arity: 6,
    params: [
      'intent', 'clientOrderId', 'reduceOnly', 'closePosition', 'stopLossPrice', 'takeProfitPrice', 'triggerPrice', 'stopPrice',
      'timeInForce', 'postOnly', 'workingType', 'priceProtect', 'positionSide', 'marginMode', 'leverage', 'trigger',
    ],
    addsExposure: true,
  }),
  cancelOrder: method<(id: string, symbol?: string, params?: Params) => Promise<Order>>({ arity: 3, params: ['trigger', 'stop'], addsExposure: false }),
  setLeverage: method<(leverage: number, symbol?: string, params?: Params) => Promise<unknown>>({ arity: 3, params: ['marginMode'], addsExposure: true }),
};

export type ExchangeMethod = keyof typeof exchangeMethods;

/** The methods with their signatures, as BotExchange has them. */
export type ExchangeMethods = { [K in keyof typeof exchangeMethods]: NonNullable<(typeof exchangeMethods)[K]['signature']> };

export function isExchangeMethod(name: string): name is ExchangeMethod {
  return Object.hasOwn(exchangeMethods, name);
}

/** Where `method`'s params go in its argument list, if it takes any: always its last argument. */
export function paramsIndex(method: ExchangeMethod): number | undefined {
  const spec: ExchangeMethodSpec<unknown> = exchangeMethods[method];
  return spec.params === null ? undefined : spec.arity - 1;
}
