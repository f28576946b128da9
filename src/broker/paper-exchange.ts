// Simulated trading for paper subscriptions: market orders fill at the market price moved against the
// order by the slippage, pay a fee on their notional; limit and trigger orders rest and fill when a later
// price range crosses them. Spot keeps currency balances; contracts keep a wallet in the settle currency
// and one-way positions with leverage, margin and realized PnL. Results have ccxt's shapes.
import type { Balances, MarketInterface, Order, Position } from 'ccxt';
import {
  BadRequest, BadSymbol, InsufficientFunds, InvalidOrder, NotSupported, OrderImmediatelyFillable, OrderNotFound,
} from '../sdk/errors.js';
import { floorToStep } from '../sdk/strategy/precision.js';
import type { MarketData } from './market-data.js';

export interface PaperPosition {
  /** Signed: > 0 long, < 0 short (contracts). */
  amount: number;
  entryPrice: number;
}

export interface PaperOrder {
  id: string;
  clientOrderId: string | undefined;
  symbol: string;
  /** 'market' | 'limit' for regular orders; trigger orders keep the type they fill as, with triggerPrice. */
  type: string;
  side: 'buy' | 'sell';
  amount: number;
  price: number | undefined;
  triggerPrice: number | undefined;
  /** 'stop' (stop-loss side) or 'take_profit', for trigger orders. */
  trigger: 'stop' | 'take_profit' | undefined;
  reduceOnly: boolean;
  status: 'open' | 'closed' | 'canceled' | 'expired';
  filled: number;
  average: number | undefined;
  fee: number;
  /** Contracts: P&L this fill realized on the position it reduced (fees aside); notifications report it. */
  realizedPnl?: number;
  timestamp: number;
}

/** Everything a paper account is; stored in paper_accounts (balances, positions and the rest as JSON). */
export interface PaperAccount {
  /** Spot: holdings per currency. Contracts: the wallet (realized) per settle currency. */
  balances: Record<string, number>;
  positions: Record<string, PaperPosition>;
  leverage: Record<string, number>;
  /** Open orders only; filled and cancelled ones leave. */
  orders: PaperOrder[];
  nextOrderId: number;
  /** Time up to which resting orders have been checked against prices. */
  checkedAt: number;
}

export interface PaperSettings {
  /** Fee rate on notional; default: the market's taker fee, else 0.1% spot / 0.05% contracts. */
  feeRate?: number | undefined;
  /** Slippage in basis points of the price, against the order; default 5. */
  slippageBps: number;
  /** Told of every fill, with the time it happened at (backtests draw trades and the equity curve from these). */
  onFill?: ((order: PaperOrder, at: number) => void) | undefined;
}

export function newPaperAccount(startingBalance: Record<string, number>, now: number): PaperAccount {
  return { balances: { ...startingBalance }, positions: {}, leverage: {}, orders: [], nextOrderId: 1, checkedAt: now };
}

const round8 = (x: number) => Number(x.toFixed(8));

export class PaperExchange {
  constructor(
    readonly account: PaperAccount,
    private readonly data: MarketData,
    private readonly settings: PaperSettings,
    private readonly now: () => number = Date.now,
  ) {}

  private async marketOf(symbol: unknown): Promise<MarketInterface> {
    if (typeof symbol !== 'string') throw new BadSymbol(`Expected a symbol, got ${String(symbol)}.`);
    return this.data.market(symbol);
  }

  private feeRate(market: MarketInterface): number {
    return this.settings.feeRate ?? market.taker ?? (market.contract ? 0.0005 : 0.001);
  }

  private slipped(price: number, side: 'buy' | 'sell'): number {
    const slip = this.settings.slippageBps / 10_000;
    return side === 'buy' ? price * (1 + slip) : price * (1 - slip);
  }

  /**
   * Fills resting orders that prices crossed since the last check, one step at a time where the market data has
   * candles (settleSteps): an order one candle fills is filled before the next candle is looked at. Within one step,
   * stops before take-profits, then limits: the cautious reading of a bar that touched both. Returns the orders that
   * left the book (filled or expired), for the ledger.
   */
  async settle(): Promise<PaperOrder[]> {
    const until = this.now();
    const symbols = [...new Set(this.account.orders.map((o) => o.symbol))];
    try {
      for (const symbol of symbols) {
        const steps = (await this.data.settleSteps?.(symbol, this.account.checkedAt, until)) ?? [until];
        let since = this.account.checkedAt;
        for (const step of steps) {
          if (!this.account.orders.some((o) => o.symbol === symbol && o.status === 'open')) break;
          this.stepTime = step;
          await this.settleRange(symbol, since, step);
          since = step;
        }
      }
    } finally {
      this.stepTime = undefined;
    }
    const settled = this.account.orders.filter((o) => o.status !== 'open');
    this.account.orders = this.account.orders.filter((o) => o.status === 'open');
    this.account.checkedAt = until;
    return settled;
  }

  /** The time a fill happens at: the settle step being checked, else now. */
  private stepTime: number | undefined;

  private async settleRange(symbol: string, since: number, until: number): Promise<void> {
    const range = await this.data.priceRange(symbol, since, until);
    const market = await this.marketOf(symbol);
    const rank = (o: PaperOrder) => (o.trigger === 'stop' ? 0 : o.trigger === 'take_profit' ? 1 : 2);
    const open = this.account.orders.filter((o) => o.symbol === symbol).sort((a, b) => rank(a) - rank(b));
    for (const order of open) {
      if (order.status !== 'open') continue;
      if (order.triggerPrice !== undefined) {
        const up = (order.trigger === 'stop') === (order.side === 'buy');
        const crossed = up ? range.high >= order.triggerPrice : range.low <= order.triggerPrice;
        if (!crossed) continue;
        if (order.type === 'limit' && order.price !== undefined) {
          order.triggerPrice = undefined; // now a resting limit
          continue;
        }
        this.fillOrExpire(order, market, this.slipped(order.triggerPrice, order.side));
      } else if (order.price !== undefined) {
        const crossed = order.side === 'buy' ? range.low <= order.price : range.high >= order.price;
        if (crossed) this.fillOrExpire(order, market, order.price);
      }
    }
  }

  private fillOrExpire(order: PaperOrder, market: MarketInterface, price: number): void {
    try {
      this.fill(order, market, price);
    } catch {
      // A reduce-only order with nothing left to reduce, or funds gone: Binance expires it too.
      order.status = 'expired';
    }
  }

  async createOrder(symbol: unknown, type: unknown, side: unknown, amount: unknown, price: unknown, params: Record<string, unknown> = {}): Promise<Order> {
    const market = await this.marketOf(symbol);
    const s = String(side).toLowerCase();
    if (s !== 'buy' && s !== 'sell') throw new BadRequest(`side must be buy or sell, got ${String(side)}.`);
    let t = String(type).toLowerCase();
    const reduceOnly = params['reduceOnly'] === true;
    if (reduceOnly && !market.contract) throw new BadRequest(`reduceOnly is not supported on spot market ${market.symbol}.`);
    const rawAmount = Number(amount);
    const qty = floorToStep(rawAmount, market.precision.amount);
    if (!(qty > 0)) throw new InvalidOrder(`amount ${String(amount)} is below the amount precision ${market.precision.amount} of ${market.symbol}.`);
    if (qty < (market.limits.amount?.min ?? 0)) throw new InvalidOrder(`amount ${qty} is below the minimum ${market.limits.amount?.min} of ${market.symbol}.`);

    let trigger: PaperOrder['trigger'];
    let triggerPrice: number | undefined;
    const num = (key: string) => (typeof params[key] === 'number' ? (params[key] as number) : undefined);
    if (num('stopLossPrice') !== undefined) [trigger, triggerPrice] = ['stop', num('stopLossPrice')];
    else if (num('takeProfitPrice') !== undefined) [trigger, triggerPrice] = ['take_profit', num('takeProfitPrice')];
    else if (num('triggerPrice') !== undefined || num('stopPrice') !== undefined) {
      triggerPrice = num('triggerPrice') ?? num('stopPrice');
      trigger = t.includes('take_profit') ? 'take_profit' : 'stop';
    }
    if (t.includes('stop') || t.includes('take_profit')) {
      if (triggerPrice === undefined) throw new InvalidOrder(`${t} orders need params.stopPrice or triggerPrice.`);
      t = t.endsWith('_market') || t === 'stop' || t === 'take_profit' ? (t.endsWith('_market') ? 'market' : 'limit') : t;
    }
    if (t !== 'market' && t !== 'limit') throw new InvalidOrder(`order type ${String(type)} is not supported in paper mode (market, limit, stop_market, take_profit_market).`);
    const limitPrice = t === 'limit' ? Number(price) : undefined;
    if (t === 'limit' && !(limitPrice! > 0)) throw new InvalidOrder('limit orders need a price.');

    const last = Number((await this.data.fetchTicker(market.symbol)).last);
    this.marks.set(market.symbol, last);
    const clientOrderId = typeof params['clientOrderId'] === 'string' ? params['clientOrderId'] : undefined;
    if (clientOrderId && this.account.orders.some((o) => o.clientOrderId === clientOrderId)) {
      throw new InvalidOrder(`clientOrderId ${clientOrderId} is already used by an open order.`);
    }
    const notionalPrice = limitPrice ?? triggerPrice ?? last;
    const minCost = market.limits.cost?.min ?? 0;
    if (!reduceOnly && qty * notionalPrice * (market.contractSize ?? 1) < minCost) {
      throw new InvalidOrder(`order notional ${(qty * notionalPrice).toFixed(2)} is below the minimum ${minCost} of ${market.symbol}.`);
    }
    const order: PaperOrder = {
      id: String(this.account.nextOrderId++), clientOrderId, symbol: market.symbol, type: t, side: s, amount: qty, price: limitPrice,
      triggerPrice, trigger, reduceOnly, status: 'open', filled: 0, average: undefined, fee: 0, timestamp: this.now(),
    };
    if (triggerPrice !== undefined) {
      // As Binance: a trigger already on the wrong side of the price would fire at once.
      const up = (trigger === 'stop') === (s === 'buy');
      if (up ? last >= triggerPrice : last <= triggerPrice) {
        throw new OrderImmediatelyFillable(`trigger price ${triggerPrice} would trigger immediately at ${last}.`);
      }
      if (reduceOnly) this.reducible(order, market); // refuse a reduce-only stop with no position, as Binance does
      this.account.orders.push(order);
    } else if (t === 'market') {
      this.fill(order, market, this.slipped(last, s));
    } else if (s === 'buy' ? limitPrice! >= last : limitPrice! <= last) {
      // Marketable: fills now at the slipped market price, never worse than the limit.
      const slipped = this.slipped(last, s);
      this.fill(order, market, s === 'buy' ? Math.min(limitPrice!, slipped) : Math.max(limitPrice!, slipped));
    } else {
      this.reserveCheck(order, market);
      this.account.orders.push(order);
    }
    return this.toCcxt(order, market);
  }

  private reducible(order: PaperOrder, market: MarketInterface): number {
    const position = this.account.positions[market.symbol]?.amount ?? 0;
    const signed = order.side === 'buy' ? 1 : -1;
    if (position === 0 || Math.sign(position) === signed) throw new InvalidOrder(`ReduceOnly order refused: no ${order.side === 'buy' ? 'short' : 'long'} position on ${market.symbol}.`);
    return Math.min(order.amount, Math.abs(position));
  }

  private reserveCheck(order: PaperOrder, market: MarketInterface): void {
    if (market.contract) return;
    const { free } = this.spotFunds(market, order.side === 'buy' ? market.quote : market.base);
    const need = order.side === 'buy' ? order.amount * (order.price ?? 0) : order.amount;
    if (free < need - 1e-12) throw new InsufficientFunds(`paper account has ${free} ${order.side === 'buy' ? market.quote : market.base} free, the order needs ${need}.`);
  }

  private spotFunds(market: MarketInterface, currency: string): { free: number; used: number } {
    let used = 0;
    for (const o of this.account.orders) {
      if (o.status !== 'open' || o.triggerPrice !== undefined) continue;
      const m = o.symbol === market.symbol ? market : undefined;
      if (!m) continue;
      if (o.side === 'buy' && currency === m.quote) used += o.amount * (o.price ?? 0);
      if (o.side === 'sell' && currency === m.base) used += o.amount;
    }
    return { free: (this.account.balances[currency] ?? 0) - used, used };
  }

  private fill(order: PaperOrder, market: MarketInterface, price: number): void {
    const fill = Number(price.toFixed(8));
    const fee = this.feeRate(market);
    if (market.contract) {
      const settle = market.settle ?? market.quote;
      const contractSize = market.contractSize ?? 1;
      const position = this.account.positions[market.symbol] ?? { amount: 0, entryPrice: 0 };
      const signed = order.side === 'buy' ? 1 : -1;
      const qty = order.reduceOnly ? this.reducible(order, market) : order.amount;
      const closing = position.amount !== 0 && Math.sign(position.amount) !== signed ? Math.min(qty, Math.abs(position.amount)) : 0;
      const opening = qty - closing;
      if (opening > 0) {
        const leverage = this.account.leverage[market.symbol] ?? 1;
        const available = this.contractAvailable(settle);
        const margin = (opening * fill * contractSize) / leverage;
        if (margin + opening * fill * contractSize * fee > available + 1e-9) {
          throw new InsufficientFunds(`paper margin: ${margin.toFixed(2)} ${settle} needed at ${leverage}x, ${available.toFixed(2)} available.`);
        }
      }
      const pnl = closing * (fill - position.entryPrice) * Math.sign(position.amount) * contractSize;
      const cost = qty * fill * contractSize * fee;
      this.account.balances[settle] = round8((this.account.balances[settle] ?? 0) + pnl - cost);
      const next = round8(position.amount + signed * qty);
      if (next === 0) delete this.account.positions[market.symbol];
      else {
        const entryPrice = opening > 0 && closing === 0 && position.amount !== 0
          ? (Math.abs(position.amount) * position.entryPrice + opening * fill) / Math.abs(next)
          : opening > 0 ? fill : position.entryPrice;
        this.account.positions[market.symbol] = { amount: next, entryPrice: round8(entryPrice) };
      }
      order.fee = round8(cost);
      order.filled = qty;
      if (closing > 0) order.realizedPnl = round8(pnl);
    } else {
      const cost = order.amount * fill;
      const feeCost = cost * fee;
      const base = this.account.balances[market.base] ?? 0;
      const quote = this.account.balances[market.quote] ?? 0;
      if (order.side === 'buy') {
        const free = this.spotFunds(market, market.quote).free + (order.status === 'open' && this.account.orders.includes(order) ? order.amount * (order.price ?? 0) : 0);
        if (cost + feeCost > free + 1e-9) throw new InsufficientFunds(`paper account has ${free.toFixed(2)} ${market.quote} free, the order needs ${(cost + feeCost).toFixed(2)}.`);
        this.account.balances[market.quote] = round8(quote - cost - feeCost);
        this.account.balances[market.base] = round8(base + order.amount);
      } else {
        const free = this.spotFunds(market, market.base).free + (this.account.orders.includes(order) ? order.amount : 0);
        if (order.amount > free + 1e-12) throw new InsufficientFunds(`paper account has ${free} ${market.base} free, the order sells ${order.amount}.`);
        this.account.balances[market.base] = round8(base - order.amount);
        this.account.balances[market.quote] = round8(quote + cost - feeCost);
      }
      order.fee = round8(feeCost);
      order.filled = order.amount;
    }
    order.average = fill;
    order.status = 'closed';
    this.settings.onFill?.(order, this.stepTime ?? this.now());
  }

  private unrealized(symbol: string, position: PaperPosition, mark: number, contractSize: number): number {
    return position.amount * (mark - position.entryPrice) * contractSize;
  }

  private marks = new Map<string, number>();

  private async mark(symbol: string): Promise<number> {
    let price = this.marks.get(symbol);
    if (price === undefined) {
      price = Number((await this.data.fetchTicker(symbol)).last);
      this.marks.set(symbol, price);
    }
    return price;
  }

  // Wallet + unrealized PnL − margin of open positions, from marks read this session.
  private contractAvailable(settle: string): number {
    let equity = this.account.balances[settle] ?? 0;
    let margin = 0;
    for (const [symbol, p] of Object.entries(this.account.positions)) {
      const mark = this.marks.get(symbol) ?? p.entryPrice;
      equity += p.amount * (mark - p.entryPrice);
      margin += (Math.abs(p.amount) * mark) / (this.account.leverage[symbol] ?? 1);
    }
    return equity - margin;
  }

  async fetchBalance(): Promise<Balances> {
    const result: Record<string, unknown> = { info: {}, free: {}, used: {}, total: {} };
    const set = (currency: string, free: number, used: number) => {
      const total = round8(free + used);
      result[currency] = { free: round8(free), used: round8(used), total };
      (result['free'] as Record<string, number>)[currency] = round8(free);
      (result['used'] as Record<string, number>)[currency] = round8(used);
      (result['total'] as Record<string, number>)[currency] = total;
    };
    const margins: Record<string, { upnl: number; margin: number }> = {};
    for (const [symbol, p] of Object.entries(this.account.positions)) {
      const market = await this.marketOf(symbol);
      const settle = market.settle ?? market.quote;
      const mark = await this.mark(symbol);
      const entry = (margins[settle] ??= { upnl: 0, margin: 0 });
      entry.upnl += this.unrealized(symbol, p, mark, market.contractSize ?? 1);
      entry.margin += (Math.abs(p.amount) * mark * (market.contractSize ?? 1)) / (this.account.leverage[symbol] ?? 1);
    }
    const reserved: Record<string, number> = {};
    for (const o of this.account.orders) {
      if (o.triggerPrice !== undefined || o.reduceOnly) continue;
      const market = await this.marketOf(o.symbol);
      if (market.contract) continue;
      const currency = o.side === 'buy' ? market.quote : market.base;
      reserved[currency] = (reserved[currency] ?? 0) + (o.side === 'buy' ? o.amount * (o.price ?? 0) : o.amount);
    }
    for (const [currency, amount] of Object.entries(this.account.balances)) {
      const m = margins[currency];
      const total = amount + (m?.upnl ?? 0);
      const used = (m?.margin ?? 0) + (reserved[currency] ?? 0);
      set(currency, total - used, used);
    }
    return result as unknown as Balances;
  }

  async fetchPositions(symbols?: string[]): Promise<Position[]> {
    const out: Position[] = [];
    for (const [symbol, p] of Object.entries(this.account.positions)) {
      if (symbols && !symbols.includes(symbol)) continue;
      const market = await this.marketOf(symbol);
      const mark = await this.mark(symbol);
      const contractSize = market.contractSize ?? 1;
      const leverage = this.account.leverage[symbol] ?? 1;
      const notional = Math.abs(p.amount) * mark * contractSize;
      out.push({
        info: {}, symbol, id: undefined, timestamp: this.now(), datetime: new Date(this.now()).toISOString(),
        side: p.amount > 0 ? 'long' : 'short', contracts: Math.abs(p.amount), contractSize, entryPrice: p.entryPrice, markPrice: mark,
        notional: round8(notional), leverage, collateral: round8(notional / leverage), initialMargin: round8(notional / leverage),
        unrealizedPnl: round8(this.unrealized(symbol, p, mark, contractSize)), marginMode: 'cross', hedged: false, percentage: undefined,
        liquidationPrice: undefined, maintenanceMargin: undefined, maintenanceMarginPercentage: undefined, initialMarginPercentage: 1 / leverage,
        marginRatio: undefined, lastUpdateTimestamp: undefined, lastPrice: mark, stopLossPrice: undefined, takeProfitPrice: undefined,
      } as Position);
    }
    return out;
  }

  async fetchOpenOrders(symbol?: string, _since?: number, _limit?: number, params: Record<string, unknown> = {}): Promise<Order[]> {
    // As Binance futures: trigger orders are listed only with { trigger: true }.
    const triggers = params['trigger'] === true || params['stop'] === true;
    const out: Order[] = [];
    for (const o of this.account.orders) {
      if (o.status !== 'open' || (symbol !== undefined && o.symbol !== symbol)) continue;
      if ((o.triggerPrice !== undefined) !== triggers) continue;
      out.push(this.toCcxt(o, await this.marketOf(o.symbol)));
    }
    return out;
  }

  async cancelOrder(id: unknown, symbol?: unknown): Promise<Order> {
    const order = this.account.orders.find((o) => o.id === String(id) && o.status === 'open' && (symbol === undefined || o.symbol === symbol));
    if (!order) throw new OrderNotFound(`paper order ${String(id)} is not open${symbol ? ` on ${String(symbol)}` : ''}.`);
    order.status = 'canceled';
    this.account.orders = this.account.orders.filter((o) => o !== order);
    return this.toCcxt(order, await this.marketOf(order.symbol));
  }

  async setLeverage(leverage: unknown, symbol: unknown): Promise<unknown> {
    const market = await this.marketOf(symbol);
    if (!market.contract) throw new NotSupported(`setLeverage: ${market.symbol} is a spot market.`);
    const max = market.limits.leverage?.max ?? 125;
    const value = Number(leverage);
    if (!Number.isInteger(value) || value < 1 || value > max) throw new BadRequest(`leverage ${String(leverage)} is not valid for ${market.symbol} (1..${max}).`);
    this.account.leverage[market.symbol] = value;
    return { info: {}, symbol: market.symbol, marginMode: 'cross', longLeverage: value, shortLeverage: value };
  }

  private toCcxt(o: PaperOrder, market: MarketInterface): Order {
    const cost = o.average !== undefined ? round8(o.filled * o.average * (market.contractSize ?? 1)) : 0;
    const triggerType = o.trigger === 'stop' ? 'stop_market' : o.trigger === 'take_profit' ? 'take_profit_market' : o.type;
    return {
      info: o.realizedPnl === undefined ? {} : { realizedPnl: o.realizedPnl }, id: o.id, clientOrderId: o.clientOrderId, timestamp: o.timestamp, datetime: new Date(o.timestamp).toISOString(),
      lastTradeTimestamp: o.status === 'closed' ? this.now() : undefined, lastUpdateTimestamp: this.now(), symbol: o.symbol,
      type: o.triggerPrice !== undefined && o.type === 'market' ? triggerType : o.type, timeInForce: o.type === 'market' ? 'IOC' : 'GTC',
      postOnly: false, reduceOnly: o.reduceOnly, side: o.side, price: o.price ?? o.average ?? 0, triggerPrice: o.triggerPrice,
      stopPrice: o.triggerPrice, stopLossPrice: o.trigger === 'stop' ? o.triggerPrice : undefined,
      takeProfitPrice: o.trigger === 'take_profit' ? o.triggerPrice : undefined, amount: o.amount, filled: o.filled,
      remaining: round8(o.amount - o.filled), cost, average: o.average, status: o.status,
      fee: { cost: o.fee, currency: market.contract ? (market.settle ?? market.quote) : market.quote, rate: this.feeRate(market) },
      trades: [], fees: [],
    } as unknown as Order;
  }
}
