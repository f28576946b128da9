// One run's broker session: every ctx.exchange call of the run goes through it. Each call is checked by the risk
// guard (risk-guard.ts) before the venue (the paper simulator or a ccxt client, broker.ts) sees it; orders get
// deterministic client order ids and are written to the ledger as they are placed or refused (order-ledger.ts).
// It holds no key and opens nothing: the venue and the ledger are handed in. So it imports no database driver,
// no ccxt code and no secrets (types only), and a process without them can serve calls through it.
import type { MarketInterface, Order, Position } from 'ccxt';
import type { Mode } from '../db/schema.js';
import type { ExchangeRun, ExchangeSession, OrderRecord } from './session.js';
import { ExchangeError, NotSupported, RiskRejected } from '../sdk/errors.js';
import { exchangeMethods, isExchangeMethod, paramsIndex, type ExchangeMethod } from '../sdk/exchange-methods.js';
import { clientOrderId } from './client-order-id.js';
import { checkMarketLimits } from './market-limits.js';
import { OrderLedger, type LedgerWrite } from './order-ledger.js';
import { ohlcvRequest } from './ohlcv-request.js';
import { parseOrder, type OrderRequest } from './order-request.js';
import { addsExposure, checkLeverage, checkOrder, checkSymbol, exposureCheck, valuationPrice, type ExposureChecks, type Holding, type RiskLimits } from './risk-guard.js';

/** Where a session's calls go: the paper simulator or a ccxt client. */
export interface Venue {
  markets(): Promise<Record<string, MarketInterface>>;
  market(symbol: string): Promise<MarketInterface>;
  call(method: string, args: unknown[]): Promise<unknown>;
  /** May the run cancel this order? Only its subscription's own orders. */
  owns(orderId: string, placedThisRun: boolean): Promise<boolean>;
  /**
   * Brings the account up to date before the run looks at it: fills resting paper orders; on an exchange, finds
   * out what became of orders earlier runs could not confirm (reconcile-orders.ts).
   */
  prepare(): Promise<void>;
  /**
   * What the venue keeps besides orders (a paper account), as it is now: written in the ledger's transaction after
   * every change. Taken when called, so the write carries this moment's account whenever its turn comes.
   */
  commit?: (() => LedgerWrite) | undefined;
  /** Record an order `unknown` before sending it: an exchange may carry it out even if botd never hears back. */
  writeAhead: boolean;
  describeError(error: unknown): unknown;
}

export class BrokerSession implements ExchangeSession {
  private readonly records: OrderRecord[] = [];
  private readonly intents = new Map<string, Promise<Order>>();
  private readonly placedIds = new Set<string>();
  private lastBalance: Record<string, unknown> | undefined;
  private unnamed = 0;
  private counted = 0;
  private prepared: Promise<void> | undefined;
  /** Orders are placed one at a time: each one's checks see every earlier order of the run (count, position). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when the ledger could not be written: nothing more is served, so nothing goes unrecorded. */
  private broken: Error | undefined;

  constructor(
    private readonly run: ExchangeRun,
    private readonly limits: RiskLimits,
    private readonly venue: Venue,
    private readonly ledger: OrderLedger,
  ) {}

  private get mode(): Mode {
    return this.run.subscription.mode;
  }

  /** Orders this session placed or refused; each is already in the ledger (order-ledger.ts). */
  orders(): OrderRecord[] {
    return [...this.records];
  }

  async call(method: string, args: unknown[]): Promise<unknown> {
    if (this.broken) throw new ExchangeError(`ctx.exchange.${method}() refused: botd could not record an earlier call (${this.broken.message}).`);
    try {
      return await this.dispatch(method, args);
    } catch (error) {
      throw this.venue.describeError(error);
    }
  }

  /** Writes to the ledger; a failure stops the session, so the venue never runs ahead of what is recorded. */
  // Awaited before the bot hears the answer: the bot never learns of an order the ledger does not hold.
  private async record(order: OrderRecord | undefined, also?: LedgerWrite): Promise<void> {
    try {
      if (order) await this.ledger.write(order, also);
      else if (also) await this.ledger.commit(also);
    } catch (error) {
      this.broken = error instanceof Error ? error : new Error(String(error));
      throw new ExchangeError(`botd could not record ${order ? `order ${order.client_order_id}` : 'the paper account'}: ${this.broken.message}`);
    }
  }

  private async dispatch(method: string, rawArgs: unknown[]): Promise<unknown> {
    if (!isExchangeMethod(method)) throw new NotSupported(`ctx.exchange.${method}() is not part of the broker's API.`);
    const args = rawArgs.slice(0, exchangeMethods[method].arity).map((a) => (a === null ? undefined : a));
    const pi = paramsIndex(method);
    if (pi !== undefined) args[pi] = this.checkParams(method, args[pi]);
    if (addsExposure(method)) return exposureCheck(method, this.exposureChecks)(args);
    const pair = this.limits.pair;
    switch (method) {
      case 'loadMarkets': {
        const markets = await this.venue.markets();
        // Without `info`, which can be megabytes on a large exchange; market(symbol) has it.
        return Object.fromEntries(Object.entries(markets).map(([symbol, m]) => [symbol, { ...m, info: {} }]));
      }
      case 'market': return this.venue.market(String(args[0]));
      case 'fetchOHLCV': {
        const { timeframe, since, limit } = ohlcvRequest(args[1], args[2], args[3]);
        return this.venue.call(method, [args[0], timeframe, since, limit]);
      }
      case 'fetchTicker':
        return this.venue.call(method, args);
      case 'fetchBalance': {
        await this.prepare();
        const balance = (await this.venue.call(method, args)) as Record<string, unknown>;
        this.lastBalance = balance;
        return balance;
      }
      case 'fetchPositions': {
        const symbols = (args[0] as string[] | undefined) ?? [pair];
        for (const s of symbols) checkSymbol(this.limits, 'fetchPositions', s);
        await this.prepare();
        return this.venue.call(method, [symbols, args[1]]);
      }
      case 'fetchOpenOrders': {
        const symbol = args[0] ?? pair;
        checkSymbol(this.limits, 'fetchOpenOrders', symbol);
        await this.prepare();
        return this.venue.call(method, [symbol, args[1], args[2], args[3]]);
      }
      case 'cancelOrder': {
        const symbol = args[1] ?? pair;
        checkSymbol(this.limits, 'cancelOrder', symbol);
        const id = String(args[0]);
        if (!(await this.venue.owns(id, this.placedIds.has(id)))) {
          throw new RiskRejected(`cancelOrder ${id} refused: the order was not placed by subscription ${this.run.subscription.id}.`);
        }
        await this.prepare();
        const result = (await this.venue.call(method, [id, symbol, args[2]])) as Order;
        const subscriptionId = this.run.subscription.id;
        const account = this.venue.commit?.();
        await this.record(undefined, async (trx) => {
          await OrderLedger.settle(trx, subscriptionId, { exchangeOrderId: id }, result?.status ?? 'canceled');
          await account?.(trx);
        });
        return result;
      }
      default: {
        // Every method of the table that adds no exposure is served above (those that do, by exposureChecks): a new one fails to compile here until it is.
        const unserved: never = method;
        throw new NotSupported(`ctx.exchange.${String(unserved)}() is not served by the broker.`);
      }
    }
  }

  // The calls the table marks as adding exposure, each through its guard check (risk-guard.ts, exposureCheck).
  private readonly exposureChecks: ExposureChecks = {
    createOrder: (args) => this.createOrder(args),
    setLeverage: (args) => this.setLeverage(args),
  };

  private async setLeverage(args: unknown[]): Promise<unknown> {
    const symbol = args[1] ?? this.limits.pair;
    checkSymbol(this.limits, 'setLeverage', symbol);
    checkLeverage(this.limits, args[0]);
    const result = await this.venue.call('setLeverage', [args[0], symbol, args[2]]);
    await this.record(undefined, this.venue.commit?.());
    return result;
  }

  private checkParams(method: ExchangeMethod, params: unknown): Record<string, unknown> {
    if (params === undefined) return {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new RiskRejected(`${method}: params must be an object.`);
    const allowed = exchangeMethods[method].params ?? [];
    const refused = Object.keys(params).filter((k) => !allowed.includes(k));
    if (refused.length) {
      throw new RiskRejected(`${method}: params ${refused.join(', ')} not allowed (allowed: ${allowed.join(', ') || 'none'}).`);
    }
    return { ...(params as Record<string, unknown>) };
  }

  private prepare(): Promise<void> {
    this.prepared ??= this.venue.prepare().then(() => this.record(undefined, this.venue.commit?.()));
    return this.prepared;
  }

  private createOrder(args: unknown[]): Promise<Order> {
    checkSymbol(this.limits, 'createOrder', args[0]);
    const params = args[5] as Record<string, unknown>;
    const named = typeof params['intent'] === 'string' ? params['intent'] : typeof params['clientOrderId'] === 'string' ? params['clientOrderId'] : undefined;
    delete params['intent'];
    const request = parseOrder(args, params);
    const intent = named ?? `#${++this.unnamed}`;
    const id = clientOrderId({ subscriptionId: this.run.subscription.id, runId: this.run.runId, intent });
    // The same intent twice in a run is one order: a retried call gets the first call's answer.
    const existing = this.intents.get(id);
    if (existing) return existing;
    const placing = this.queue.then(() => this.place(id, request));
    this.queue = placing.catch(() => undefined);
    this.intents.set(id, placing);
    return placing;
  }

  private async place(id: string, request: OrderRequest): Promise<Order> {
    const { symbol, side } = request;
    const record: OrderRecord = {
      exchange_order_id: null, client_order_id: id, symbol, side, type: orderTypeOf(request), amount: request.amount ?? 0,
      price: request.price ?? request.trigger ?? null, status: 'rejected', mode: this.mode,
    };
    this.records.push(record);
    let order: { amount: number; params: Record<string, unknown> };
    try {
      order = await this.check(request);
    } catch (error) {
      // Refused before it was sent: recorded as such (the amount is 0 when the request had none to record).
      await this.record({ ...record });
      throw error;
    }
    record.amount = order.amount;
    const price = request.type === 'limit' ? request.price : undefined;
    const args = [symbol, request.type, side, order.amount, price, { ...order.params, clientOrderId: id }];
    if (this.venue.writeAhead) await this.record({ ...record, status: 'unknown' });
    let placed: Order;
    try {
      placed = (await this.venue.call('createOrder', args)) as Order;
    } catch (error) {
      if (error instanceof Error && /NetworkError|RequestTimeout|ExchangeNotAvailable/.test(error.name)) record.status = 'unknown';
      await this.record({ ...record });
      throw error;
    }
    if (placed.id !== undefined) this.placedIds.add(String(placed.id));
    record.exchange_order_id = placed.id === undefined ? null : String(placed.id);
    record.amount = placed.amount ?? order.amount;
    record.price = placed.average ?? (placed.price || undefined) ?? record.price;
    record.status = placed.status ?? 'open';
    // Accepted: written now, with the paper account the fill changed, before the bot hears of it.
    await this.record({ ...record }, this.venue.commit?.());
    return placed;
  }

  // The risk guard's facts, read now: the market, a fresh market price, and for closePosition the position it
  // closes. Returns the amount to send (on the market's step) and the params (closePosition becomes reduceOnly with
  // that amount, the same on every venue: the paper exchange knows no closePosition, and on Binance it would close
  // whatever the position is when it triggers, which the guard never saw).
  private async check(request: OrderRequest): Promise<{ amount: number; params: Record<string, unknown> }> {
    const { symbol } = request;
    await this.prepare();
    const market = await this.venue.market(symbol);
    const contractSize = market.contractSize ?? 1;
    const marketPrice = await this.price(symbol);
    const params = { ...request.params };
    let wanted = request.amount;
    if (request.closePosition) {
      delete params['closePosition'];
      params['reduceOnly'] = true;
      wanted = Math.abs((await this.holding(symbol)).position) / contractSize;
      if (!(wanted > 0)) throw new RiskRejected(`closePosition ${request.side} refused: there is no ${this.limits.pair} position to close.`);
    }
    const facts = { ...request, amount: wanted ?? 0, reduceOnly: request.reduceOnly || request.closePosition };
    const amount = checkMarketLimits(facts, market, valuationPrice({ ...facts, marketPrice }));
    await checkOrder(this.limits, {
      ...facts, amount, params, marketPrice, contractSize,
      counted: this.counted,
      equity: () => this.equity(symbol, marketPrice),
      holding: () => this.holding(symbol),
    });
    this.counted++;
    return { amount, params };
  }

  // The market price now, from the venue: the exchange's ticker, or in paper mode the market data at the current
  // time. Never one the bot passed or an old candle it fetched.
  private async price(symbol: string): Promise<number> {
    const ticker = (await this.venue.call('fetchTicker', [symbol])) as { last?: number; markPrice?: number };
    return Number(ticker.last ?? ticker.markPrice);
  }

  // The balance the bot last read this run (it sized its order from it), else a fresh one.
  private async equity(symbol: string, price: number): Promise<number> {
    const balance = this.lastBalance ?? ((await this.dispatch('fetchBalance', [])) as Record<string, unknown>);
    const market = await this.venue.market(symbol);
    const total = (currency: string | undefined) => Number((balance[currency ?? ''] as { total?: number } | undefined)?.total ?? 0);
    if (market.contract) return total(market.settle ?? market.quote);
    return total(market.quote) + total(market.base) * price;
  }

  // What the account holds of the pair and has resting, read afresh (an order placed earlier in this run has changed
  // it): the futures position, signed, or the spot balance of the base currency, and the open orders that are not
  // reduce-only (on futures, trigger orders too: Binance lists them apart). Two or three requests per order that
  // adds exposure.
  private async holding(symbol: string): Promise<Holding> {
    const market = await this.venue.market(symbol);
    const size = market.contractSize ?? 1;
    let position: number;
    if (market.contract) {
      const positions = (await this.dispatch('fetchPositions', [[symbol]])) as Position[];
      position = positions
        .filter((p) => p.symbol === symbol)
        .reduce((sum, p) => sum + (p.side === 'short' ? -1 : 1) * Math.abs(Number(p.contracts ?? 0)) * Number(p.contractSize ?? size), 0);
    } else {
      const balance = (await this.dispatch('fetchBalance', [])) as Record<string, { total?: number } | undefined>;
      position = Number(balance[market.base]?.total ?? 0);
    }
    const lists = [(await this.dispatch('fetchOpenOrders', [symbol])) as Order[]];
    if (market.contract) lists.push((await this.dispatch('fetchOpenOrders', [symbol, undefined, undefined, { trigger: true }])) as Order[]);
    let restingBuys = 0;
    let restingSells = 0;
    for (const o of lists.flat()) {
      if (o.reduceOnly) continue;
      const remaining = Math.max(0, Number(o.remaining ?? Number(o.amount ?? 0) - Number(o.filled ?? 0))) * size;
      if (o.side === 'buy') restingBuys += remaining;
      else if (o.side === 'sell') restingSells += remaining;
    }
    return { position, restingBuys, restingSells };
  }
}

// The orders table says what kind of order it was: a protective stop is not a plain market order.
function orderTypeOf(request: OrderRequest): string {
  const { type, params } = request;
  if (type !== 'market' && type !== 'limit') return type;
  if (params['stopLossPrice'] !== undefined) return type === 'market' ? 'stop_market' : 'stop_limit';
  if (params['takeProfitPrice'] !== undefined) return type === 'market' ? 'take_profit_market' : 'take_profit_limit';
  return type;
}
