// A small fake Binance (spot + USDⓈ-M futures) on 127.0.0.1, so tests drive ccxt's real
// signing, HTTP and parsing code. Error codes and messages follow Binance so ccxt maps them
// to its real classes (InvalidOrder, InsufficientFunds, AuthenticationError, ...).
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ORIGINAL_HOST_HEADER, redirectTransport } from '../../src/broker/redirect.js';

export interface FakeMarketSpec {
  /** Exchange id, e.g. 'BTCUSDT'. Spot and futures markets with the same id share one price. */
  symbol: string;
  base: string;
  quote: string;
  /** Initial last/mark price; also the level the synthetic klines oscillate around. */
  price: number;
  /** Filter values as Binance sends them (strings keep the exact decimals). */
  tickSize: string;
  stepSize: string;
  minQty: string;
  maxQty: string;
  minNotional: string;
}

export interface FakeMarkets {
  spot: FakeMarketSpec[];
  futures: FakeMarketSpec[];
}

export interface KlineRange {
  market: 'spot' | 'futures';
  startTime: number | undefined;
  endTime: number | undefined;
}

export interface FakeBinanceOptions {
  apiKey: string;
  secret: string;
  /** Replaces the default markets per kind (BTCUSDT + ETHUSDT on both). */
  markets?: Partial<FakeMarkets>;
  /** Spot balances; default { USDT: 10000, BTC: 1, ETH: 10 }. */
  balances?: Record<string, number>;
  /** Futures wallet balances; default { USDT: balances.USDT ?? 10000 }. */
  futuresBalances?: Record<string, number>;
  /** Custom candles, rows [openTime, o, h, l, c, v]; default is a deterministic synthetic series. */
  klines?: (symbol: string, interval: string, limit: number, range: KlineRange) => number[][];
  /** Clock for market data and order times; default Date.now. recvWindow is checked against the real clock. */
  now?: () => number;
  /** Leverage of a symbol before setLeverage; Binance's default is 20. */
  defaultLeverage?: number;
  /**
   * Accept conditional types (STOP_MARKET, TAKE_PROFIT_MARKET, ...) on POST /fapi/v1/order.
   * Binance moved them to /fapi/v1/algoOrder (Dec 2025) and answers -4120 there; default false.
   */
  legacyConditionalOrders?: boolean;
  /** Log unknown endpoints with console.warn; default true. */
  logUnknown?: boolean;
}

export type FakeOrderStatus = 'NEW' | 'FILLED' | 'CANCELED' | 'EXPIRED';

export interface FakeOrder {
  /** orderId, or algoId for futures conditional orders (one counter, so ids are unique). */
  id: number;
  market: 'spot' | 'futures';
  /** Exchange id, e.g. 'BTCUSDT'. */
  symbol: string;
  side: 'BUY' | 'SELL';
  type: string;
  /** 0 for closePosition orders. */
  quantity: number;
  price: number | undefined;
  stopPrice: number | undefined;
  reduceOnly: boolean;
  closePosition: boolean;
  clientOrderId: string;
  /** For algo orders FILLED means triggered and executed (Binance: algoStatus FINISHED). */
  status: FakeOrderStatus;
  /** Placed through /fapi/v1/algoOrder (ccxt does this for every futures trigger order). */
  algo: boolean;
  timeInForce: string | undefined;
  executedQty: number;
  avgPrice: number | undefined;
  cumQuote: number;
  time: number;
  updateTime: number;
  /** Algo order: id of the order it created when it triggered. */
  triggeredOrderId: number | undefined;
  /** Order created by a triggered algo order: the algo order's id. */
  parentId: number | undefined;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, string>;
  /** Carried a signature parameter (valid or not). */
  signed: boolean;
  at: number;
  /** Host ccxt addressed before routeToFake rewrote it, e.g. 'fapi.binance.com' or 'demo-fapi.binance.com'. */
  host: string | undefined;
  status: number;
}

export interface FakePosition {
  symbol: string;
  /** Signed: > 0 long, < 0 short. */
  amount: number;
  entryPrice: number;
  updateTime: number;
}

export interface FakeBinance {
  url: string;
  requests: FakeRequest[];
  orders: FakeOrder[];
  leverage: Record<string, number>;
  positions: Record<string, FakePosition>;
  spotBalances: Record<string, { free: number; locked: number }>;
  futuresWallet: Record<string, number>;
  /** Requests that hit a path, e.g. '/fapi/v1/exchangeInfo'; 'POST /fapi/v1/order' also matches the method. */
  count(path: string): number;
  /**
   * The next `count` requests to a path ('POST /fapi/v1/order') are carried out, or refused before anything
   * happens when `handled` is false, but get no answer: the connection drops, as a network failure leaves an
   * order the client cannot know the fate of.
   */
  dropResponses(path: string, count?: number, handled?: boolean): void;
  /** Sets last/mark price (id 'BTCUSDT' or unified 'BTC/USDT', 'BTC/USDT:USDT') and fills/triggers crossing orders. */
  setPrice(symbol: string, price: number): void;
  price(symbol: string): number;
  close(): Promise<void>;
}

export { ORIGINAL_HOST_HEADER };

/**
 * Sends a ccxt exchange's HTTP to the fake while keeping ccxt's own URLs: binance picks its
 * error table by URL prefix (api./fapi./demo-fapi.), which is what maps codes to ccxt classes.
 * Call before the first request. The same transport botd uses under BOTCTL_EXCHANGE_REDIRECT.
 */
export function routeToFake(exchange: { fetchImplementation?: unknown }, baseUrl: string): void {
  redirectTransport(exchange, baseUrl);
}

const DEFAULT_MARKETS: FakeMarkets = {
  spot: [
    { symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', price: 60000, tickSize: '0.01', stepSize: '0.00001', minQty: '0.00001', maxQty: '9000', minNotional: '5' },
    { symbol: 'ETHUSDT', base: 'ETH', quote: 'USDT', price: 3000, tickSize: '0.01', stepSize: '0.0001', minQty: '0.0001', maxQty: '9000', minNotional: '5' },
  ],
  futures: [
    { symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', price: 60000, tickSize: '0.10', stepSize: '0.001', minQty: '0.001', maxQty: '1000', minNotional: '100' },
    { symbol: 'ETHUSDT', base: 'ETH', quote: 'USDT', price: 3000, tickSize: '0.01', stepSize: '0.001', minQty: '0.001', maxQty: '10000', minNotional: '20' },
  ],
};

const INTERVAL_MS: Record<string, number> = {
  '1s': 1_000, '1m': 60_000, '3m': 180_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000,
  '1h': 3_600_000, '2h': 7_200_000, '4h': 14_400_000, '6h': 21_600_000, '8h': 28_800_000, '12h': 43_200_000,
  '1d': 86_400_000, '3d': 259_200_000, '1w': 604_800_000, '1M': 2_592_000_000,
};

const SPOT_ORDER_TYPES = ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'];
const FUTURES_ORDER_TYPES = ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'];
const FUTURES_CONDITIONAL = new Set(['STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET']);

class BinanceError extends Error {
  constructor(readonly status: number, readonly code: number, msg: string) {
    super(msg);
  }
}

const reject = (code: number, msg: string, status = 400): BinanceError => new BinanceError(status, code, msg);
const mandatory = (name: string): BinanceError =>
  reject(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
const notRequired = (name: string): BinanceError => reject(-1106, `Parameter '${name}' sent when not required.`);

function decimalsOf(s: string): number {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.replace(/0+$/, '').length - dot - 1;
}

function isMultiple(value: number, step: number): boolean {
  const n = value / step;
  return Math.abs(n - Math.round(n)) < 1e-9;
}

const r8 = (x: number): number => Math.round(x * 1e8) / 1e8;
const f8 = (x: number): string => x.toFixed(8);

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967295;
}

function normalizeId(symbol: string): string {
  return symbol.replace(/:.*$/, '').replace('/', '').toUpperCase();
}

interface MarketState {
  spec: FakeMarketSpec;
  kind: 'spot' | 'futures';
  tick: number;
  step: number;
  minQty: number;
  maxQty: number;
  minNotional: number;
  priceDecimals: number;
  qtyDecimals: number;
}

interface Ctx {
  method: string;
  path: string;
  params: Record<string, string>;
}

type Handler = (ctx: Ctx) => unknown;

export async function startFakeBinance(opts: FakeBinanceOptions): Promise<FakeBinance> {
  const now = opts.now ?? Date.now;
  const logUnknown = opts.logUnknown ?? true;
  const defaultLeverage = opts.defaultLeverage ?? 20;
  const startedAt = now();

  const toState = (spec: FakeMarketSpec, kind: 'spot' | 'futures'): MarketState => ({
    spec,
    kind,
    tick: Number(spec.tickSize),
    step: Number(spec.stepSize),
    minQty: Number(spec.minQty),
    maxQty: Number(spec.maxQty),
    minNotional: Number(spec.minNotional),
    priceDecimals: decimalsOf(spec.tickSize),
    qtyDecimals: decimalsOf(spec.stepSize),
  });
  const spotMarkets = new Map<string, MarketState>();
  const futMarkets = new Map<string, MarketState>();
  for (const s of opts.markets?.spot ?? DEFAULT_MARKETS.spot) spotMarkets.set(s.symbol, toState(s, 'spot'));
  for (const s of opts.markets?.futures ?? DEFAULT_MARKETS.futures) futMarkets.set(s.symbol, toState(s, 'futures'));

  const basePrice = new Map<string, number>();
  const prices = new Map<string, number>();
  for (const m of [...spotMarkets.values(), ...futMarkets.values()]) {
    if (!basePrice.has(m.spec.symbol)) basePrice.set(m.spec.symbol, m.spec.price);
    if (!prices.has(m.spec.symbol)) prices.set(m.spec.symbol, m.spec.price);
  }

  const spotBalances: Record<string, { free: number; locked: number }> = {};
  for (const [asset, amount] of Object.entries(opts.balances ?? { USDT: 10000, BTC: 1, ETH: 10 })) {
    spotBalances[asset] = { free: amount, locked: 0 };
  }
  const futuresWallet: Record<string, number> = { ...(opts.futuresBalances ?? { USDT: opts.balances?.['USDT'] ?? 10000 }) };

  const requests: FakeRequest[] = [];
  const orders: FakeOrder[] = [];
  const leverage: Record<string, number> = {};
  const marginType: Record<string, 'ISOLATED' | 'CROSSED'> = {};
  const positions: Record<string, FakePosition> = {};
  let nextOrderId = 1000;

  const priceOf = (id: string): number => {
    const p = prices.get(id);
    if (p === undefined) throw new Error(`fake-binance: unknown symbol ${id}`);
    return p;
  };
  const roundPrice = (m: MarketState, p: number): number => Number(p.toFixed(m.priceDecimals));
  const fmtPrice = (m: MarketState, p: number): string => (m.kind === 'spot' ? f8(p) : p.toFixed(m.priceDecimals));
  const fmtQty = (m: MarketState, q: number): string => (m.kind === 'spot' ? f8(q) : q.toFixed(m.qtyDecimals));

  // ---------- market data ----------

  function synthClose(id: string, k: number): number {
    const base = basePrice.get(id) ?? 100;
    const x = k + hashString(id) * 1000;
    // Slow sine plays the trend, faster ones the swings; bounded so any window stays near base.
    return base * (1 + 0.05 * Math.sin(x / 400) + 0.02 * Math.sin(x / 37 + 1.3) + 0.008 * Math.sin(x / 7 + 0.4) + 0.003 * Math.sin(x * 1.7));
  }

  function synthCandle(m: MarketState, intervalMs: number, openTime: number, t: number): number[] {
    const id = m.spec.symbol;
    const k = Math.floor(openTime / intervalMs);
    const x = k + hashString(id) * 1000;
    const open = synthClose(id, k - 1);
    let close = synthClose(id, k);
    let high = Math.max(open, close) * (1 + 0.002 * Math.abs(Math.sin(x * 3.1)));
    let low = Math.min(open, close) * (1 - 0.002 * Math.abs(Math.cos(x * 2.3)));
    if (t >= openTime && t < openTime + intervalMs) {
      // The live candle ends at the current price so klines and tickers agree.
      close = priceOf(id);
      high = Math.max(high, close);
      low = Math.min(low, close);
    }
    const volume = 10 + 5 * (1 + Math.sin(x * 0.7));
    return [openTime, roundPrice(m, open), roundPrice(m, high), roundPrice(m, low), roundPrice(m, close), r8(volume)];
  }

  function klines(m: MarketState, ctx: Ctx): unknown {
    const interval = ctx.params['interval'];
    if (interval === undefined) throw mandatory('interval');
    const intervalMs = INTERVAL_MS[interval];
    if (intervalMs === undefined) throw reject(-1120, 'Invalid interval.');
    const maxLimit = m.kind === 'spot' ? 1000 : 1500;
    const limit = Math.min(Number(ctx.params['limit'] ?? 500), maxLimit);
    const startTime = ctx.params['startTime'] !== undefined ? Number(ctx.params['startTime']) : undefined;
    const endTime = ctx.params['endTime'] !== undefined ? Number(ctx.params['endTime']) : undefined;
    const t = now();
    let rows: number[][];
    if (opts.klines !== undefined) {
      rows = opts.klines(m.spec.symbol, interval, limit, { market: m.kind, startTime, endTime });
    } else {
      const current = Math.floor(t / intervalMs) * intervalMs;
      const last = Math.min(current, endTime !== undefined ? Math.floor(endTime / intervalMs) * intervalMs : current);
      let first: number;
      if (startTime !== undefined) first = Math.ceil(startTime / intervalMs) * intervalMs;
      else first = last - (limit - 1) * intervalMs;
      rows = [];
      for (let ot = first; ot <= last && rows.length < limit; ot += intervalMs) rows.push(synthCandle(m, intervalMs, ot, t));
    }
    return rows.map((r) => {
      const [ot = 0, o = 0, h = 0, l = 0, c = 0, v = 0] = r;
      return [ot, fmtPrice(m, o), fmtPrice(m, h), fmtPrice(m, l), fmtPrice(m, c), f8(v), ot + intervalMs - 1, f8(v * c), 100, f8(v / 2), f8((v / 2) * c), '0'];
    });
  }

  function ticker24(m: MarketState): Record<string, unknown> {
    const t = now();
    const last = priceOf(m.spec.symbol);
    const open = synthClose(m.spec.symbol, Math.floor((t - 86_400_000) / 3_600_000));
    const high = Math.max(open, last) * 1.01;
    const low = Math.min(open, last) * 0.99;
    const change = last - open;
    const row: Record<string, unknown> = {
      symbol: m.spec.symbol,
      priceChange: fmtPrice(m, change),
      priceChangePercent: ((change / open) * 100).toFixed(3),
      weightedAvgPrice: fmtPrice(m, (open + last) / 2),
      lastPrice: fmtPrice(m, last),
      lastQty: fmtQty(m, m.minQty),
      openPrice: fmtPrice(m, open),
      highPrice: fmtPrice(m, high),
      lowPrice: fmtPrice(m, low),
      volume: f8(1000),
      quoteVolume: f8(1000 * (open + last) / 2),
      openTime: t - 86_400_000,
      closeTime: t,
      firstId: 1,
      lastId: 1000,
      count: 1000,
    };
    if (m.kind === 'spot') {
      Object.assign(row, {
        prevClosePrice: fmtPrice(m, open),
        bidPrice: fmtPrice(m, last - m.tick),
        bidQty: fmtQty(m, 1),
        askPrice: fmtPrice(m, last + m.tick),
        askQty: fmtQty(m, 1),
      });
    }
    return row;
  }

  function tickerPrice(m: MarketState): Record<string, unknown> {
    const row: Record<string, unknown> = { symbol: m.spec.symbol, price: fmtPrice(m, priceOf(m.spec.symbol)) };
    if (m.kind === 'futures') row['time'] = now();
    return row;
  }

  const perSymbol = (book: Map<string, MarketState>, ctx: Ctx, fn: (m: MarketState) => unknown): unknown => {
    const symbol = ctx.params['symbol'];
    if (symbol === undefined) return [...book.values()].map(fn);
    return fn(marketOf(book, symbol));
  };

  function marketOf(book: Map<string, MarketState>, symbol: string | undefined): MarketState {
    if (symbol === undefined) throw mandatory('symbol');
    const m = book.get(symbol);
    if (m === undefined) throw reject(-1121, 'Invalid symbol.');
    return m;
  }

  function spotExchangeInfo(): unknown {
    return {
      timezone: 'UTC',
      serverTime: now(),
      rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 }],
      exchangeFilters: [],
      symbols: [...spotMarkets.values()].map((m) => ({
        symbol: m.spec.symbol,
        status: 'TRADING',
        baseAsset: m.spec.base,
        baseAssetPrecision: 8,
        quoteAsset: m.spec.quote,
        quotePrecision: 8,
        quoteAssetPrecision: 8,
        baseCommissionPrecision: 8,
        quoteCommissionPrecision: 8,
        orderTypes: SPOT_ORDER_TYPES,
        icebergAllowed: true,
        ocoAllowed: true,
        otoAllowed: true,
        quoteOrderQtyMarketAllowed: true,
        allowTrailingStop: true,
        cancelReplaceAllowed: true,
        isSpotTradingAllowed: true,
        isMarginTradingAllowed: false,
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: m.spec.tickSize, maxPrice: '1000000.00000000', tickSize: m.spec.tickSize },
          { filterType: 'LOT_SIZE', minQty: m.spec.minQty, maxQty: m.spec.maxQty, stepSize: m.spec.stepSize },
          { filterType: 'ICEBERG_PARTS', limit: 10 },
          { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: m.spec.maxQty, stepSize: '0.00000000' },
          { filterType: 'TRAILING_DELTA', minTrailingAboveDelta: 10, maxTrailingAboveDelta: 2000, minTrailingBelowDelta: 10, maxTrailingBelowDelta: 2000 },
          { filterType: 'NOTIONAL', minNotional: m.spec.minNotional, applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
          { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
          { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
        ],
        permissions: [],
        permissionSets: [['SPOT']],
        defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
        allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
      })),
    };
  }

  function futuresExchangeInfo(): unknown {
    return {
      timezone: 'UTC',
      serverTime: now(),
      futuresType: 'U_MARGINED',
      rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 }],
      exchangeFilters: [],
      assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
      symbols: [...futMarkets.values()].map((m) => ({
        symbol: m.spec.symbol,
        pair: m.spec.symbol,
        contractType: 'PERPETUAL',
        deliveryDate: 4133404800000,
        onboardDate: 1569398400000,
        status: 'TRADING',
        maintMarginPercent: '2.5000',
        requiredMarginPercent: '5.0000',
        baseAsset: m.spec.base,
        quoteAsset: m.spec.quote,
        marginAsset: m.spec.quote,
        pricePrecision: m.priceDecimals,
        quantityPrecision: m.qtyDecimals,
        baseAssetPrecision: 8,
        quotePrecision: 8,
        underlyingType: 'COIN',
        underlyingSubType: [],
        triggerProtect: '0.0500',
        liquidationFee: '0.012500',
        marketTakeBound: '0.05',
        maxMoveOrderLimit: 10000,
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: m.spec.tickSize, maxPrice: '4529764', tickSize: m.spec.tickSize },
          { filterType: 'LOT_SIZE', minQty: m.spec.minQty, maxQty: m.spec.maxQty, stepSize: m.spec.stepSize },
          { filterType: 'MARKET_LOT_SIZE', minQty: m.spec.minQty, maxQty: m.spec.maxQty, stepSize: m.spec.stepSize },
          { filterType: 'MAX_NUM_ORDERS', limit: 200 },
          { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
          { filterType: 'MIN_NOTIONAL', notional: m.spec.minNotional },
          { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
        ],
        orderTypes: FUTURES_ORDER_TYPES,
        timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
        permissionSets: ['GRID', 'COPY'],
      })),
    };
  }

  // ---------- accounts ----------

  const balance = (asset: string): { free: number; locked: number } => {
    let b = spotBalances[asset];
    if (b === undefined) {
      b = { free: 0, locked: 0 };
      spotBalances[asset] = b;
    }
    return b;
  };

  const levOf = (id: string): number => leverage[id] ?? defaultLeverage;
  const positionOf = (id: string): FakePosition => {
    let p = positions[id];
    if (p === undefined) {
      p = { symbol: id, amount: 0, entryPrice: 0, updateTime: 0 };
      positions[id] = p;
    }
    return p;
  };
  const upnl = (p: FakePosition): number => p.amount * (priceOf(p.symbol) - p.entryPrice);
  const openPositions = (): FakePosition[] => Object.values(positions).filter((p) => p.amount !== 0);

  function futuresTotals(): { wallet: number; upnl: number; im: number; mm: number; available: number } {
    const wallet = futuresWallet['USDT'] ?? 0;
    let u = 0;
    let im = 0;
    let mm = 0;
    for (const p of openPositions()) {
      const notional = Math.abs(p.amount) * priceOf(p.symbol);
      u += upnl(p);
      im += notional / levOf(p.symbol);
      mm += notional * 0.004;
    }
    return { wallet, upnl: u, im, mm, available: wallet + u - im };
  }

  function positionRow(p: FakePosition, v3: boolean): Record<string, unknown> {
    const m = futMarkets.get(p.symbol);
    const mark = priceOf(p.symbol);
    const notional = p.amount * mark;
    const im = Math.abs(notional) / levOf(p.symbol);
    const row: Record<string, unknown> = {
      symbol: p.symbol,
      positionSide: 'BOTH',
      positionAmt: m !== undefined ? p.amount.toFixed(m.qtyDecimals) : String(p.amount),
      entryPrice: String(p.entryPrice),
      breakEvenPrice: String(p.entryPrice),
      markPrice: f8(mark),
      unRealizedProfit: f8(upnl(p)),
      liquidationPrice: '0',
      isolatedMargin: '0.00000000',
      notional: f8(notional),
      marginAsset: 'USDT',
      isolatedWallet: '0',
      updateTime: p.updateTime,
    };
    if (v3) {
      Object.assign(row, {
        initialMargin: f8(im),
        maintMargin: f8(Math.abs(notional) * 0.004),
        positionInitialMargin: f8(im),
        openOrderInitialMargin: '0',
        adl: 0,
        bidNotional: '0',
        askNotional: '0',
      });
    } else {
      Object.assign(row, {
        leverage: String(levOf(p.symbol)),
        marginType: (marginType[p.symbol] ?? 'CROSSED') === 'ISOLATED' ? 'isolated' : 'cross',
        isAutoAddMargin: 'false',
        maxNotionalValue: '1000000',
      });
    }
    return row;
  }

  function futuresAccount(v3: boolean): unknown {
    const t = futuresTotals();
    const assets = Object.entries(futuresWallet).map(([asset, amount]) => {
      const isUsdt = asset === 'USDT';
      const u = isUsdt ? t.upnl : 0;
      const im = isUsdt ? t.im : 0;
      const available = isUsdt ? t.available : amount;
      return {
        asset,
        walletBalance: f8(amount),
        unrealizedProfit: f8(u),
        marginBalance: f8(amount + u),
        maintMargin: f8(isUsdt ? t.mm : 0),
        initialMargin: f8(im),
        positionInitialMargin: f8(im),
        openOrderInitialMargin: '0.00000000',
        crossWalletBalance: f8(amount),
        crossUnPnl: f8(u),
        availableBalance: f8(available),
        maxWithdrawAmount: f8(available),
        marginAvailable: true,
        // ccxt skips asset rows whose updateTime is 0.
        updateTime: startedAt,
      };
    });
    const posRows = (v3 ? openPositions() : [...futMarkets.keys()].map(positionOf)).map((p) => {
      const mark = priceOf(p.symbol);
      const notional = p.amount * mark;
      const im = Math.abs(notional) / levOf(p.symbol);
      const row: Record<string, unknown> = {
        symbol: p.symbol,
        positionSide: 'BOTH',
        positionAmt: String(p.amount),
        unrealizedProfit: f8(upnl(p)),
        isolatedMargin: '0',
        notional: f8(notional),
        isolatedWallet: '0',
        initialMargin: f8(im),
        maintMargin: f8(Math.abs(notional) * 0.004),
        updateTime: p.updateTime,
      };
      if (!v3) Object.assign(row, { leverage: String(levOf(p.symbol)), entryPrice: String(p.entryPrice), isolated: false, maxNotional: '1000000' });
      return row;
    });
    return {
      totalInitialMargin: f8(t.im),
      totalMaintMargin: f8(t.mm),
      totalWalletBalance: f8(t.wallet),
      totalUnrealizedProfit: f8(t.upnl),
      totalMarginBalance: f8(t.wallet + t.upnl),
      totalPositionInitialMargin: f8(t.im),
      totalOpenOrderInitialMargin: '0.00000000',
      totalCrossWalletBalance: f8(t.wallet),
      totalCrossUnPnl: f8(t.upnl),
      availableBalance: f8(t.available),
      maxWithdrawAmount: f8(t.available),
      ...(v3 ? {} : { feeTier: 0, canTrade: true, canDeposit: true, canWithdraw: true, updateTime: 0, multiAssetsMargin: false }),
      assets,
      positions: posRows,
    };
  }

  // ---------- orders ----------

  const boolParam = (v: string | undefined): boolean => v === 'true' || v === 'TRUE' || v === 'True';
  const numParam = (ctx: Ctx, name: string): number | undefined => {
    const v = ctx.params[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw reject(-1100, `Illegal characters found in parameter '${name}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`);
    return n;
  };

  type OrderDraft = Pick<FakeOrder, 'side' | 'type' | 'quantity' | 'clientOrderId'> & Partial<Omit<FakeOrder, 'id' | 'market' | 'symbol'>>;

  function newOrder(m: MarketState, draft: OrderDraft): FakeOrder {
    const t = now();
    const o: FakeOrder = {
      price: undefined,
      stopPrice: undefined,
      reduceOnly: false,
      closePosition: false,
      status: 'NEW',
      algo: false,
      timeInForce: undefined,
      executedQty: 0,
      avgPrice: undefined,
      cumQuote: 0,
      time: t,
      updateTime: t,
      triggeredOrderId: undefined,
      parentId: undefined,
      ...draft,
      id: nextOrderId++,
      market: m.kind,
      symbol: m.spec.symbol,
    };
    orders.push(o);
    return o;
  }

  const isOpen = (o: FakeOrder): boolean => o.status === 'NEW';

  function checkDuplicateClientId(kind: 'spot' | 'futures', clientOrderId: string | undefined): void {
    if (clientOrderId === undefined) return;
    // Binance: client ids must be unique among open orders only.
    const dup = orders.some((o) => o.market === kind && isOpen(o) && o.clientOrderId === clientOrderId);
    if (!dup) return;
    if (kind === 'spot') throw reject(-2010, 'Duplicate order sent.');
    throw reject(-4116, 'ClientOrderId is duplicated.');
  }

  function checkPriceTick(m: MarketState, price: number): void {
    if (m.kind === 'spot') {
      if (price <= 0 || !isMultiple(price, m.tick)) throw reject(-1013, 'Filter failure: PRICE_FILTER');
      return;
    }
    if (price < m.tick) throw reject(-4013, 'Price less than min price.');
    if (!isMultiple(price, m.tick)) throw reject(-4014, 'Price not increased by tick size.');
  }

  function checkSpotQty(m: MarketState, raw: string, q: number): void {
    if (decimalsOf(raw) > 8) throw reject(-1111, 'Precision is over the maximum defined for this asset.');
    if (q < m.minQty || q > m.maxQty || !isMultiple(q, m.step)) throw reject(-1013, 'Filter failure: LOT_SIZE');
  }

  function checkFuturesQty(m: MarketState, raw: string, q: number): void {
    if (q <= 0) throw reject(-4003, 'Quantity less than or equal to zero.');
    if (decimalsOf(raw) > m.qtyDecimals) throw reject(-1111, 'Precision is over the maximum defined for this asset.');
    if (!isMultiple(q, m.step)) throw reject(-4023, 'Quantity not increased by step size.');
    if (q < m.minQty) throw reject(-4004, 'Quantity less than min quantity.');
    if (q > m.maxQty) throw reject(-4005, 'Quantity greater than max quantity.');
  }

  // Funds a resting spot order holds (quote for buys, base for sells), by order id.
  const reserved = new Map<number, number>();

  function spotFill(o: FakeOrder, m: MarketState, fillPrice: number): void {
    const base = balance(m.spec.base);
    const quote = balance(m.spec.quote);
    const q = o.quantity;
    const cost = r8(q * fillPrice);
    const held = reserved.get(o.id);
    reserved.delete(o.id);
    if (o.side === 'BUY') {
      if (held !== undefined) {
        quote.locked = r8(quote.locked - held);
        quote.free = r8(quote.free + held);
      }
      quote.free = r8(quote.free - cost);
      base.free = r8(base.free + q);
    } else {
      if (held !== undefined) {
        base.locked = r8(base.locked - held);
        base.free = r8(base.free + held);
      }
      base.free = r8(base.free - q);
      quote.free = r8(quote.free + cost);
    }
    o.status = 'FILLED';
    o.executedQty = q;
    o.avgPrice = fillPrice;
    o.cumQuote = cost;
    o.updateTime = now();
  }

  function spotCheckFunds(m: MarketState, side: 'BUY' | 'SELL', quantity: number, price: number): number {
    const need = side === 'BUY' ? r8(quantity * price) : quantity;
    const b = balance(side === 'BUY' ? m.spec.quote : m.spec.base);
    if (b.free < need - 1e-12) throw reject(-2010, 'Account has insufficient balance for requested action.');
    return need;
  }

  function spotLock(o: FakeOrder, m: MarketState, amount: number): void {
    const b = balance(o.side === 'BUY' ? m.spec.quote : m.spec.base);
    b.free = r8(b.free - amount);
    b.locked = r8(b.locked + amount);
    reserved.set(o.id, amount);
  }

  function spotUnlock(o: FakeOrder, m: MarketState): void {
    const held = reserved.get(o.id);
    if (held === undefined) return;
    reserved.delete(o.id);
    const b = balance(o.side === 'BUY' ? m.spec.quote : m.spec.base);
    b.locked = r8(b.locked - held);
    b.free = r8(b.free + held);
  }

  function spotCreate(ctx: Ctx): unknown {
    const p = ctx.params;
    const m = marketOf(spotMarkets, p['symbol']);
    const side = p['side'];
    if (side !== 'BUY' && side !== 'SELL') throw side === undefined ? mandatory('side') : reject(-1117, 'Invalid side.');
    const type = p['type'];
    if (type === undefined) throw mandatory('type');
    if (!SPOT_ORDER_TYPES.includes(type)) throw reject(-1116, 'Invalid orderType.');
    if (p['reduceOnly'] !== undefined) throw notRequired('reduceOnly');
    if (p['closePosition'] !== undefined) throw notRequired('closePosition');
    if (p['positionSide'] !== undefined) throw notRequired('positionSide');
    const clientOrderId = p['newClientOrderId'] ?? `fake-${nextOrderId}`;
    checkDuplicateClientId('spot', p['newClientOrderId']);
    const current = priceOf(m.spec.symbol);

    let quantity = numParam(ctx, 'quantity');
    const quoteOrderQty = numParam(ctx, 'quoteOrderQty');
    if (type === 'MARKET' && quantity === undefined) {
      if (quoteOrderQty === undefined) throw reject(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
      quantity = Number((Math.floor(quoteOrderQty / current / m.step + 1e-9) * m.step).toFixed(m.qtyDecimals));
      if (quantity < m.minQty) throw reject(-1013, 'Filter failure: LOT_SIZE');
    } else {
      if (quantity === undefined) throw mandatory('quantity');
      checkSpotQty(m, p['quantity'] ?? '', quantity);
    }
    let price: number | undefined;
    if (type !== 'MARKET' && type !== 'STOP_LOSS' && type !== 'TAKE_PROFIT') {
      price = numParam(ctx, 'price');
      if (price === undefined) throw mandatory('price');
      checkPriceTick(m, price);
    } else if (p['price'] !== undefined) {
      throw notRequired('price');
    }
    const needsTif = type === 'LIMIT' || type === 'STOP_LOSS_LIMIT' || type === 'TAKE_PROFIT_LIMIT';
    if (needsTif && p['timeInForce'] === undefined) throw mandatory('timeInForce');
    let stopPrice: number | undefined;
    if (type.startsWith('STOP_LOSS') || type.startsWith('TAKE_PROFIT')) {
      stopPrice = numParam(ctx, 'stopPrice');
      if (stopPrice === undefined && p['trailingDelta'] === undefined) throw mandatory('stopPrice');
      if (stopPrice !== undefined) {
        checkPriceTick(m, stopPrice);
        const isStop = type.startsWith('STOP_LOSS');
        const triggersNow = isStop === (side === 'SELL') ? stopPrice >= current : stopPrice <= current;
        if (triggersNow) throw reject(-2010, 'Stop price would trigger immediately.');
      }
    }
    const notionalPrice = price ?? stopPrice ?? current;
    if (quantity * notionalPrice < m.minNotional) throw reject(-1013, 'Filter failure: NOTIONAL');

    const draft: OrderDraft = { side, type, quantity, price, stopPrice, clientOrderId, timeInForce: needsTif ? p['timeInForce'] : 'GTC' };
    if (type === 'MARKET') {
      spotCheckFunds(m, side, quantity, current);
      const o = newOrder(m, draft);
      spotFill(o, m, current);
      return spotOrderJson(o, m, true);
    }
    const marketable = price !== undefined && stopPrice === undefined && (side === 'BUY' ? price >= current : price <= current);
    if (type === 'LIMIT_MAKER' && marketable) throw reject(-2010, 'Order would immediately match and take.');
    const hold = spotCheckFunds(m, side, quantity, price ?? stopPrice ?? current);
    const o = newOrder(m, draft);
    if (marketable) spotFill(o, m, current);
    else spotLock(o, m, hold);
    return spotOrderJson(o, m, true);
  }

  function spotOrderJson(o: FakeOrder, m: MarketState, create: boolean): Record<string, unknown> {
    const base: Record<string, unknown> = {
      symbol: o.symbol,
      orderId: o.id,
      orderListId: -1,
      clientOrderId: o.clientOrderId,
      price: f8(o.price ?? 0),
      origQty: f8(o.quantity),
      executedQty: f8(o.executedQty),
      cummulativeQuoteQty: f8(o.cumQuote),
      status: o.status,
      timeInForce: o.timeInForce ?? 'GTC',
      type: o.type,
      side: o.side,
      workingTime: o.time,
      origQuoteOrderQty: '0.00000000',
      selfTradePreventionMode: 'EXPIRE_MAKER',
    };
    if (o.stopPrice !== undefined) base['stopPrice'] = f8(o.stopPrice);
    if (create) {
      base['transactTime'] = o.updateTime;
      base['fills'] = o.status === 'FILLED'
        ? [{ price: f8(o.avgPrice ?? 0), qty: f8(o.executedQty), commission: '0.00000000', commissionAsset: m.spec.quote, tradeId: o.id }]
        : [];
    } else {
      Object.assign(base, { time: o.time, updateTime: o.updateTime, isWorking: o.stopPrice === undefined, icebergQty: '0.00000000' });
      if (base['stopPrice'] === undefined) base['stopPrice'] = '0.00000000';
    }
    return base;
  }

  function findOrder(kind: 'spot' | 'futures', algo: boolean, symbol: string, id: string | undefined, clientId: string | undefined): FakeOrder {
    if (id === undefined && clientId === undefined) {
      throw reject(-1102, algo ? "Param 'algoId' or 'clientAlgoId' must be sent, but both were empty/null!" : "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    }
    // Open orders win when a client id was reused after a fill.
    const matches = orders.filter((o) => o.market === kind && o.algo === algo && o.symbol === symbol &&
      (id !== undefined ? String(o.id) === id : o.clientOrderId === clientId));
    const o = matches.find(isOpen) ?? matches[matches.length - 1];
    if (o === undefined) throw reject(-2013, 'Order does not exist.');
    return o;
  }

  function spotCancel(ctx: Ctx): unknown {
    const m = marketOf(spotMarkets, ctx.params['symbol']);
    let o: FakeOrder;
    try {
      o = findOrder('spot', false, m.spec.symbol, ctx.params['orderId'], ctx.params['origClientOrderId']);
    } catch (e) {
      if (e instanceof BinanceError && e.code === -2013) throw reject(-2011, 'Unknown order sent.');
      throw e;
    }
    if (!isOpen(o)) throw reject(-2011, 'Unknown order sent.');
    spotUnlock(o, m);
    o.status = 'CANCELED';
    o.updateTime = now();
    const json = spotOrderJson(o, m, false);
    return { ...json, origClientOrderId: o.clientOrderId, clientOrderId: ctx.params['newClientOrderId'] ?? `cancel-${o.id}`, transactTime: o.updateTime };
  }

  // ----- futures -----

  interface FuturesFill {
    qty: number;
    price: number;
  }

  // Applies a fill to the one-way position (Binance default: one-way mode, positionSide BOTH).
  function applyFuturesFill(id: string, side: 'BUY' | 'SELL', qty: number, price: number): void {
    const pos = positionOf(id);
    const signed = side === 'BUY' ? qty : -qty;
    const amt = pos.amount;
    const newAmt = r8(amt + signed);
    if (amt !== 0 && Math.sign(signed) !== Math.sign(amt)) {
      const closeQty = Math.min(Math.abs(signed), Math.abs(amt));
      futuresWallet['USDT'] = r8((futuresWallet['USDT'] ?? 0) + closeQty * (price - pos.entryPrice) * Math.sign(amt));
    }
    if (newAmt === 0) pos.entryPrice = 0;
    else if (amt === 0 || Math.sign(newAmt) !== Math.sign(amt)) pos.entryPrice = price;
    else if (Math.abs(newAmt) > Math.abs(amt)) pos.entryPrice = r8((Math.abs(amt) * pos.entryPrice + qty * price) / Math.abs(newAmt));
    pos.amount = newAmt;
    pos.updateTime = now();
  }

  // Validates margin / reduce-only rules for a fill of `qty` at `price`; returns the quantity that would execute.
  function planFuturesFill(m: MarketState, side: 'BUY' | 'SELL', qty: number, price: number, reduceOnly: boolean): FuturesFill {
    const pos = positionOf(m.spec.symbol);
    const signed = side === 'BUY' ? qty : -qty;
    if (reduceOnly) {
      if (pos.amount === 0 || Math.sign(pos.amount) === Math.sign(signed)) throw reject(-2022, 'ReduceOnly Order is rejected.');
      return { qty: Math.min(qty, Math.abs(pos.amount)), price };
    }
    const newAmt = pos.amount + signed;
    const opening = Math.sign(newAmt) === Math.sign(pos.amount) || pos.amount === 0
      ? Math.max(0, Math.abs(newAmt) - Math.abs(pos.amount))
      : Math.abs(newAmt);
    if (opening > 0 && (opening * price) / levOf(m.spec.symbol) > futuresTotals().available + 1e-9) {
      throw reject(-2019, 'Margin is insufficient.');
    }
    return { qty, price };
  }

  function fillFutures(o: FakeOrder, m: MarketState, fill: FuturesFill): void {
    applyFuturesFill(m.spec.symbol, o.side, fill.qty, fill.price);
    o.status = 'FILLED';
    o.executedQty = fill.qty;
    o.avgPrice = fill.price;
    o.cumQuote = r8(fill.qty * fill.price);
    o.updateTime = now();
  }

  interface FuturesDraft {
    m: MarketState;
    side: 'BUY' | 'SELL';
    type: string;
    quantity: number;
    price: number | undefined;
    stopPrice: number | undefined;
    reduceOnly: boolean;
    closePosition: boolean;
    clientOrderId: string | undefined;
    timeInForce: string | undefined;
  }

  function parseFuturesOrder(ctx: Ctx, algo: boolean): FuturesDraft {
    const p = ctx.params;
    const m = marketOf(futMarkets, p['symbol']);
    const side = p['side'];
    if (side !== 'BUY' && side !== 'SELL') throw side === undefined ? mandatory('side') : reject(-1117, 'Invalid side.');
    const type = p['type'];
    if (type === undefined) throw mandatory('type');
    if (!FUTURES_ORDER_TYPES.includes(type)) throw reject(-1116, 'Invalid orderType.');
    if (algo && !FUTURES_CONDITIONAL.has(type)) throw reject(-1116, 'Invalid orderType.');
    if (!algo && FUTURES_CONDITIONAL.has(type) && opts.legacyConditionalOrders !== true) {
      throw reject(-4120, 'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.');
    }
    const positionSide = p['positionSide'];
    if (positionSide !== undefined && positionSide !== 'BOTH') throw reject(-4061, "Order's position side does not match user's setting.");
    const reduceOnly = boolParam(p['reduceOnly']);
    const closePosition = boolParam(p['closePosition']);
    if (closePosition) {
      if (type !== 'STOP_MARKET' && type !== 'TAKE_PROFIT_MARKET') throw notRequired('closePosition');
      if (p['reduceOnly'] !== undefined) throw notRequired('reduceOnly');
      if (p['quantity'] !== undefined) throw notRequired('quantity');
    }
    let quantity = 0;
    if (!closePosition) {
      const q = numParam(ctx, 'quantity');
      if (q === undefined) throw mandatory('quantity');
      checkFuturesQty(m, p['quantity'] ?? '', q);
      quantity = q;
    }
    let price: number | undefined;
    if (type === 'LIMIT' || type === 'STOP' || type === 'TAKE_PROFIT') {
      price = numParam(ctx, 'price');
      if (price === undefined) throw mandatory('price');
      checkPriceTick(m, price);
      if (type === 'LIMIT' && p['timeInForce'] === undefined) throw mandatory('timeInForce');
    }
    let stopPrice: number | undefined;
    if (FUTURES_CONDITIONAL.has(type) && type !== 'TRAILING_STOP_MARKET') {
      const name = algo ? 'triggerPrice' : 'stopPrice';
      stopPrice = numParam(ctx, name);
      if (stopPrice === undefined) throw mandatory(name);
      checkPriceTick(m, stopPrice);
      const current = priceOf(m.spec.symbol);
      const isStop = type === 'STOP' || type === 'STOP_MARKET';
      const triggersNow = isStop === (side === 'SELL') ? stopPrice >= current : stopPrice <= current;
      if (triggersNow) throw reject(-2021, 'Order would immediately trigger.');
    }
    if (type === 'TRAILING_STOP_MARKET' && p['callbackRate'] === undefined) throw mandatory('callbackRate');
    const clientOrderId = algo ? p['clientAlgoId'] : p['newClientOrderId'];
    checkDuplicateClientId('futures', clientOrderId);
    const current = priceOf(m.spec.symbol);
    const notionalPrice = price ?? stopPrice ?? current;
    if (!reduceOnly && !closePosition && quantity * notionalPrice < m.minNotional - 1e-9) {
      throw reject(-4164, `Order's notional must be no smaller than ${m.spec.minNotional} (unless you choose reduce only).`);
    }
    return { m, side, type, quantity, price, stopPrice, reduceOnly, closePosition, clientOrderId, timeInForce: p['timeInForce'] };
  }

  function futuresOrderJson(o: FakeOrder, m: MarketState): Record<string, unknown> {
    return {
      orderId: o.id,
      symbol: o.symbol,
      status: o.status,
      clientOrderId: o.clientOrderId,
      price: fmtPrice(m, o.price ?? 0),
      avgPrice: o.avgPrice !== undefined ? fmtPrice(m, o.avgPrice) : '0.00',
      origQty: fmtQty(m, o.quantity),
      executedQty: fmtQty(m, o.executedQty),
      cumQty: fmtQty(m, o.executedQty),
      cumQuote: f8(o.cumQuote),
      timeInForce: o.timeInForce ?? 'GTC',
      type: o.type,
      reduceOnly: o.reduceOnly,
      closePosition: o.closePosition,
      side: o.side,
      positionSide: 'BOTH',
      stopPrice: fmtPrice(m, o.stopPrice ?? 0),
      workingType: 'CONTRACT_PRICE',
      priceProtect: false,
      origType: o.type,
      priceMatch: 'NONE',
      selfTradePreventionMode: 'EXPIRE_MAKER',
      goodTillDate: 0,
      time: o.time,
      updateTime: o.updateTime,
    };
  }

  const algoStatus = (o: FakeOrder): string => (o.status === 'FILLED' ? 'FINISHED' : o.status);

  function algoOrderJson(o: FakeOrder, m: MarketState): Record<string, unknown> {
    return {
      algoId: o.id,
      clientAlgoId: o.clientOrderId,
      algoType: 'CONDITIONAL',
      orderType: o.type,
      symbol: o.symbol,
      side: o.side,
      positionSide: 'BOTH',
      timeInForce: o.timeInForce ?? 'GTC',
      quantity: fmtQty(m, o.quantity),
      algoStatus: algoStatus(o),
      actualOrderId: o.triggeredOrderId !== undefined ? String(o.triggeredOrderId) : '',
      triggerPrice: fmtPrice(m, o.stopPrice ?? 0),
      price: fmtPrice(m, o.price ?? 0),
      icebergQuantity: null,
      selfTradePreventionMode: 'EXPIRE_MAKER',
      workingType: 'CONTRACT_PRICE',
      priceMatch: 'NONE',
      closePosition: o.closePosition,
      priceProtect: false,
      reduceOnly: o.reduceOnly,
      createTime: o.time,
      updateTime: o.updateTime,
      triggerTime: o.triggeredOrderId !== undefined ? o.updateTime : 0,
      goodTillDate: 0,
    };
  }

  function futuresCreate(ctx: Ctx): unknown {
    const d = parseFuturesOrder(ctx, false);
    const { m } = d;
    const current = priceOf(m.spec.symbol);
    const fields = {
      side: d.side, type: d.type, quantity: d.quantity, price: d.price, stopPrice: d.stopPrice, reduceOnly: d.reduceOnly,
      closePosition: d.closePosition, clientOrderId: d.clientOrderId ?? `fake-${nextOrderId}`, timeInForce: d.timeInForce,
    };
    if (d.type === 'MARKET') {
      const fill = planFuturesFill(m, d.side, d.quantity, current, d.reduceOnly);
      const o = newOrder(m, fields);
      fillFutures(o, m, fill);
      return futuresOrderJson(o, m);
    }
    if (d.type === 'LIMIT') {
      const marketable = d.side === 'BUY' ? (d.price ?? 0) >= current : (d.price ?? 0) <= current;
      if (marketable && d.timeInForce === 'GTX') throw reject(-5022, 'Due to the order could not be executed as maker, the Post Only order will be rejected.');
      const fill = planFuturesFill(m, d.side, d.quantity, marketable ? current : (d.price ?? current), d.reduceOnly);
      const o = newOrder(m, fields);
      if (marketable) fillFutures(o, m, fill);
      return futuresOrderJson(o, m);
    }
    // Legacy conditional order on /fapi/v1/order (only with legacyConditionalOrders).
    if (d.reduceOnly) planFuturesFill(m, d.side, d.quantity, d.stopPrice ?? current, true);
    const o = newOrder(m, fields);
    return futuresOrderJson(o, m);
  }

  function algoCreate(ctx: Ctx): unknown {
    const algoType = ctx.params['algoType'];
    if (algoType === undefined) throw mandatory('algoType');
    if (algoType !== 'CONDITIONAL') throw reject(-1130, "Data sent for parameter 'algoType' is not valid.");
    const d = parseFuturesOrder(ctx, true);
    const { m } = d;
    if (d.reduceOnly) planFuturesFill(m, d.side, d.quantity, d.stopPrice ?? priceOf(m.spec.symbol), true);
    const o = newOrder(m, {
      side: d.side, type: d.type, quantity: d.quantity, price: d.price, stopPrice: d.stopPrice, reduceOnly: d.reduceOnly,
      closePosition: d.closePosition, clientOrderId: d.clientOrderId ?? `fake-algo-${nextOrderId}`, timeInForce: d.timeInForce, algo: true,
    });
    return algoOrderJson(o, m);
  }

  function futuresCancel(ctx: Ctx): unknown {
    const m = marketOf(futMarkets, ctx.params['symbol']);
    let o: FakeOrder;
    try {
      o = findOrder('futures', false, m.spec.symbol, ctx.params['orderId'], ctx.params['origClientOrderId']);
    } catch (e) {
      if (e instanceof BinanceError && e.code === -2013) throw reject(-2011, 'Unknown order sent.');
      throw e;
    }
    if (!isOpen(o)) throw reject(-2011, 'Unknown order sent.');
    o.status = 'CANCELED';
    o.updateTime = now();
    return futuresOrderJson(o, m);
  }

  function algoCancel(ctx: Ctx): unknown {
    const symbol = ctx.params['symbol'];
    const id = ctx.params['algoId'];
    const clientId = ctx.params['clientAlgoId'];
    if (id === undefined && clientId === undefined) throw reject(-1102, "Param 'algoId' or 'clientAlgoId' must be sent, but both were empty/null!");
    const o = orders.find((x) => x.algo && isOpen(x) && (symbol === undefined || x.symbol === symbol) &&
      (id !== undefined ? String(x.id) === id : x.clientOrderId === clientId));
    if (o === undefined) throw reject(-2011, 'Unknown order sent.');
    o.status = 'CANCELED';
    o.updateTime = now();
    return { algoId: o.id, clientAlgoId: o.clientOrderId, code: '200', msg: 'success' };
  }

  function openOrdersOf(kind: 'spot' | 'futures', algo: boolean, symbol: string | undefined): FakeOrder[] {
    return orders.filter((o) => o.market === kind && o.algo === algo && isOpen(o) && (symbol === undefined || o.symbol === symbol));
  }

  function cancelAll(kind: 'spot' | 'futures', algo: boolean, ctx: Ctx): FakeOrder[] {
    const m = marketOf(kind === 'spot' ? spotMarkets : futMarkets, ctx.params['symbol']);
    const list = openOrdersOf(kind, algo, m.spec.symbol);
    for (const o of list) {
      if (kind === 'spot') spotUnlock(o, m);
      o.status = 'CANCELED';
      o.updateTime = now();
    }
    return list;
  }

  // ----- price moves: fill resting limits, trigger stops -----

  function crosses(o: FakeOrder, p: number): boolean {
    if (o.stopPrice !== undefined && !o.type.startsWith('LIMIT')) {
      const isStop = o.type === 'STOP' || o.type === 'STOP_MARKET' || o.type.startsWith('STOP_LOSS');
      return isStop === (o.side === 'SELL') ? p <= o.stopPrice : p >= o.stopPrice;
    }
    if (o.price === undefined) return false;
    return o.side === 'BUY' ? p <= o.price : p >= o.price;
  }

  function onPrice(id: string, p: number): void {
    for (const o of orders.slice()) {
      if (o.symbol !== id || !isOpen(o) || !crosses(o, p)) continue;
      if (o.market === 'spot') {
        const m = spotMarkets.get(id);
        if (m === undefined) continue;
        if (o.stopPrice === undefined) {
          spotFill(o, m, o.price ?? p);
        } else if (o.type === 'STOP_LOSS' || o.type === 'TAKE_PROFIT') {
          spotFill(o, m, p);
        } else {
          // *_LIMIT: triggered, now a resting limit (fills if already marketable).
          o.stopPrice = undefined;
          if (crosses(o, p)) spotFill(o, m, o.price ?? p);
        }
        continue;
      }
      const m = futMarkets.get(id);
      if (m === undefined) continue;
      if (o.type === 'LIMIT') {
        try {
          fillFutures(o, m, planFuturesFill(m, o.side, o.quantity, o.price ?? p, o.reduceOnly));
        } catch {
          o.status = 'EXPIRED';
          o.updateTime = now();
        }
        continue;
      }
      if (o.type === 'TRAILING_STOP_MARKET') continue;
      triggerFutures(o, m, p);
    }
  }

  // A triggered futures stop becomes a MARKET (or LIMIT for STOP/TAKE_PROFIT) order, as on Binance.
  function triggerFutures(o: FakeOrder, m: MarketState, p: number): void {
    const pos = positionOf(m.spec.symbol);
    const isMarket = o.type === 'STOP_MARKET' || o.type === 'TAKE_PROFIT_MARKET';
    const reduce = o.reduceOnly || o.closePosition;
    const qty = o.closePosition ? Math.abs(pos.amount) : o.quantity;
    const limit = o.price ?? p;
    const fillNow = isMarket || (o.side === 'BUY' ? p <= limit : p >= limit);
    try {
      if (qty <= 0) throw reject(-2022, 'ReduceOnly Order is rejected.');
      const fill = planFuturesFill(m, o.side, qty, isMarket ? p : limit, reduce);
      const child = newOrder(m, {
        side: o.side, type: isMarket ? 'MARKET' : 'LIMIT', quantity: fill.qty, price: isMarket ? undefined : limit,
        reduceOnly: reduce, clientOrderId: `${o.clientOrderId}-t`, parentId: o.id, timeInForce: isMarket ? undefined : 'GTC',
      });
      if (fillNow) fillFutures(child, m, fill);
      o.triggeredOrderId = child.id;
      o.status = 'FILLED';
      o.executedQty = child.executedQty;
      o.avgPrice = child.avgPrice;
      o.cumQuote = child.cumQuote;
    } catch {
      o.status = 'EXPIRED';
    }
    o.updateTime = now();
  }

  // ---------- routing ----------

  interface Route {
    signed: boolean;
    handler: Handler;
  }
  const routes = new Map<string, Route>();
  const pub = (method: string, path: string, handler: Handler): void => void routes.set(`${method} ${path}`, { signed: false, handler });
  const priv = (method: string, path: string, handler: Handler): void => void routes.set(`${method} ${path}`, { signed: true, handler });

  const time = (): unknown => ({ serverTime: now() });
  pub('GET', '/api/v3/ping', () => ({}));
  pub('GET', '/api/v3/time', time);
  pub('GET', '/api/v3/exchangeInfo', spotExchangeInfo);
  pub('GET', '/api/v3/klines', (c) => klines(marketOf(spotMarkets, c.params['symbol']), c));
  pub('GET', '/api/v3/ticker/24hr', (c) => perSymbol(spotMarkets, c, ticker24));
  pub('GET', '/api/v3/ticker/price', (c) => perSymbol(spotMarkets, c, tickerPrice));
  priv('GET', '/api/v3/account', () => ({
    makerCommission: 10, takerCommission: 10, buyerCommission: 0, sellerCommission: 0,
    commissionRates: { maker: '0.00100000', taker: '0.00100000', buyer: '0.00000000', seller: '0.00000000' },
    canTrade: true, canWithdraw: true, canDeposit: true, brokered: false, requireSelfTradePrevention: false, preventSor: false,
    updateTime: now(), accountType: 'SPOT',
    balances: Object.entries(spotBalances).map(([asset, b]) => ({ asset, free: f8(b.free), locked: f8(b.locked) })),
    permissions: ['SPOT'], uid: 1,
  }));
  priv('POST', '/api/v3/order', spotCreate);
  priv('DELETE', '/api/v3/order', spotCancel);
  priv('GET', '/api/v3/order', (c) => {
    const m = marketOf(spotMarkets, c.params['symbol']);
    return spotOrderJson(findOrder('spot', false, m.spec.symbol, c.params['orderId'], c.params['origClientOrderId']), m, false);
  });
  priv('GET', '/api/v3/openOrders', (c) => {
    const symbol = c.params['symbol'];
    if (symbol !== undefined) marketOf(spotMarkets, symbol);
    return openOrdersOf('spot', false, symbol).map((o) => spotOrderJson(o, spotMarkets.get(o.symbol) as MarketState, false));
  });
  priv('DELETE', '/api/v3/openOrders', (c) => {
    const list = cancelAll('spot', false, c);
    return list.map((o) => spotOrderJson(o, spotMarkets.get(o.symbol) as MarketState, false));
  });

  pub('GET', '/fapi/v1/ping', () => ({}));
  pub('GET', '/fapi/v1/time', time);
  pub('GET', '/fapi/v1/exchangeInfo', futuresExchangeInfo);
  pub('GET', '/fapi/v1/klines', (c) => klines(marketOf(futMarkets, c.params['symbol']), c));
  pub('GET', '/fapi/v1/ticker/24hr', (c) => perSymbol(futMarkets, c, ticker24));
  pub('GET', '/fapi/v1/ticker/price', (c) => perSymbol(futMarkets, c, tickerPrice));
  pub('GET', '/fapi/v2/ticker/price', (c) => perSymbol(futMarkets, c, tickerPrice));
  pub('GET', '/fapi/v1/premiumIndex', (c) => perSymbol(futMarkets, c, (m) => ({
    symbol: m.spec.symbol, markPrice: f8(priceOf(m.spec.symbol)), indexPrice: f8(priceOf(m.spec.symbol)),
    estimatedSettlePrice: f8(priceOf(m.spec.symbol)), lastFundingRate: '0.00010000', interestRate: '0.00010000',
    nextFundingTime: (Math.floor(now() / 28_800_000) + 1) * 28_800_000, time: now(),
  })));
  priv('GET', '/fapi/v3/account', () => futuresAccount(true));
  priv('GET', '/fapi/v2/account', () => futuresAccount(false));
  const futuresBalanceRows = (): unknown => {
    const t = futuresTotals();
    return Object.entries(futuresWallet).map(([asset, amount]) => ({
      accountAlias: 'fake', asset, balance: f8(amount), crossWalletBalance: f8(amount),
      crossUnPnl: f8(asset === 'USDT' ? t.upnl : 0), availableBalance: f8(asset === 'USDT' ? t.available : amount),
      maxWithdrawAmount: f8(asset === 'USDT' ? t.available : amount), marginAvailable: true, updateTime: startedAt,
    }));
  };
  priv('GET', '/fapi/v2/balance', futuresBalanceRows);
  priv('GET', '/fapi/v3/balance', futuresBalanceRows);
  priv('POST', '/fapi/v1/leverage', (c) => {
    const m = marketOf(futMarkets, c.params['symbol']);
    const lev = numParam(c, 'leverage');
    if (lev === undefined) throw mandatory('leverage');
    if (!Number.isInteger(lev) || lev < 1 || lev > 125) throw reject(-4028, `Leverage ${c.params['leverage'] ?? ''} is not valid`);
    leverage[m.spec.symbol] = lev;
    return { leverage: lev, maxNotionalValue: '1000000', symbol: m.spec.symbol };
  });
  priv('POST', '/fapi/v1/marginType', (c) => {
    const m = marketOf(futMarkets, c.params['symbol']);
    const mt = c.params['marginType'];
    if (mt !== 'ISOLATED' && mt !== 'CROSSED') throw mandatory('marginType');
    if ((marginType[m.spec.symbol] ?? 'CROSSED') === mt) throw reject(-4046, 'No need to change margin type.');
    marginType[m.spec.symbol] = mt;
    return { code: 200, msg: 'success' };
  });
  priv('GET', '/fapi/v1/positionSide/dual', () => ({ dualSidePosition: false }));
  priv('GET', '/fapi/v1/leverageBracket', (c) => {
    const symbol = c.params['symbol'];
    const list = symbol !== undefined ? [marketOf(futMarkets, symbol)] : [...futMarkets.values()];
    const rows = list.map((m) => ({
      symbol: m.spec.symbol,
      notionalCoef: 1.0,
      brackets: [
        { bracket: 1, initialLeverage: 125, notionalCap: 50000, notionalFloor: 0, maintMarginRatio: 0.004, cum: 0.0 },
        { bracket: 2, initialLeverage: 100, notionalCap: 600000, notionalFloor: 50000, maintMarginRatio: 0.005, cum: 50.0 },
        { bracket: 3, initialLeverage: 50, notionalCap: 3000000, notionalFloor: 600000, maintMarginRatio: 0.01, cum: 3050.0 },
        { bracket: 4, initialLeverage: 20, notionalCap: 12000000, notionalFloor: 3000000, maintMarginRatio: 0.025, cum: 48050.0 },
      ],
    }));
    // With a symbol Binance answers one object, without it a list; ccxt accepts both.
    return symbol !== undefined ? rows[0] : rows;
  });
  priv('GET', '/fapi/v3/positionRisk', (c) => {
    const symbol = c.params['symbol'];
    if (symbol !== undefined) marketOf(futMarkets, symbol);
    // v3 lists only symbols with a position.
    return openPositions().filter((p) => symbol === undefined || p.symbol === symbol).map((p) => positionRow(p, true));
  });
  priv('GET', '/fapi/v2/positionRisk', (c) => {
    const symbol = c.params['symbol'];
    const ids = symbol !== undefined ? [marketOf(futMarkets, symbol).spec.symbol] : [...futMarkets.keys()];
    return ids.map((id) => positionRow(positionOf(id), false));
  });
  priv('POST', '/fapi/v1/order', futuresCreate);
  priv('DELETE', '/fapi/v1/order', futuresCancel);
  priv('GET', '/fapi/v1/order', (c) => {
    const m = marketOf(futMarkets, c.params['symbol']);
    return futuresOrderJson(findOrder('futures', false, m.spec.symbol, c.params['orderId'], c.params['origClientOrderId']), m);
  });
  priv('GET', '/fapi/v1/openOrders', (c) => {
    const symbol = c.params['symbol'];
    if (symbol !== undefined) marketOf(futMarkets, symbol);
    return openOrdersOf('futures', false, symbol).map((o) => futuresOrderJson(o, futMarkets.get(o.symbol) as MarketState));
  });
  priv('DELETE', '/fapi/v1/allOpenOrders', (c) => {
    cancelAll('futures', false, c);
    return { code: 200, msg: 'The operation of cancel all open order is done.' };
  });
  priv('POST', '/fapi/v1/algoOrder', algoCreate);
  priv('DELETE', '/fapi/v1/algoOrder', algoCancel);
  priv('GET', '/fapi/v1/algoOrder', (c) => {
    const m = marketOf(futMarkets, c.params['symbol']);
    return algoOrderJson(findOrder('futures', true, m.spec.symbol, c.params['algoId'], c.params['clientAlgoId']), m);
  });
  priv('GET', '/fapi/v1/openAlgoOrders', (c) => {
    const symbol = c.params['symbol'];
    if (symbol !== undefined) marketOf(futMarkets, symbol);
    return openOrdersOf('futures', true, symbol).map((o) => algoOrderJson(o, futMarkets.get(o.symbol) as MarketState));
  });
  priv('DELETE', '/fapi/v1/algoOpenOrders', (c) => {
    cancelAll('futures', true, c);
    return { code: 200, msg: 'The operation of cancel all open order is done.' };
  });

  // ---------- HTTP ----------

  function verify(route: Route, req: IncomingMessage, rawQuery: string, rawBody: string): boolean {
    const hasSig = /(^|&)signature=/.test(rawQuery) || /(^|&)signature=/.test(rawBody);
    if (!route.signed) return hasSig;
    const key = req.headers['x-mbx-apikey'];
    if (key === undefined || key === '') throw reject(-2014, 'API-key format invalid.', 401);
    if (key !== opts.apiKey) throw reject(-2015, 'Invalid API-key, IP, or permissions for action.', 401);
    // Binance signs query + body; ccxt sends the signed payload in one of them.
    const source = /(^|&)signature=/.test(rawBody) ? rawBody : rawQuery;
    const m = /^(.*)&signature=([0-9a-fA-F]+)$/.exec(source);
    if (m === null) {
      if (!hasSig) throw mandatory('signature');
      throw reject(-1022, 'Signature for this request is not valid.');
    }
    const payload = m[1] ?? '';
    const expected = createHmac('sha256', opts.secret).update(payload).digest('hex');
    if (expected !== (m[2] ?? '').toLowerCase()) throw reject(-1022, 'Signature for this request is not valid.');
    const params = new URLSearchParams(payload);
    const ts = params.get('timestamp');
    if (ts === null) throw mandatory('timestamp');
    const recvWindow = Number(params.get('recvWindow') ?? 5000);
    const skew = Date.now() - Number(ts);
    if (skew > recvWindow || skew < -1000) throw reject(-1021, 'Timestamp for this request is outside of the recvWindow.');
    return true;
  }

  const toRecord = (raw: string): Record<string, string> => Object.fromEntries(new URLSearchParams(raw));

  function send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  const drops = new Map<string, { count: number; handled: boolean }>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const qIndex = rawUrl.indexOf('?');
    const path = qIndex < 0 ? rawUrl : rawUrl.slice(0, qIndex);
    const rawQuery = qIndex < 0 ? '' : rawUrl.slice(qIndex + 1);
    const hostHeader = req.headers[ORIGINAL_HOST_HEADER];
    const record: FakeRequest = {
      method,
      path,
      query: toRecord(rawQuery),
      body: toRecord(rawBody),
      signed: /(^|&)signature=/.test(rawQuery) || /(^|&)signature=/.test(rawBody),
      at: Date.now(),
      host: typeof hostHeader === 'string' ? hostHeader : undefined,
      status: 200,
    };
    requests.push(record);
    const route = routes.get(`${method} ${path}`);
    if (route === undefined) {
      record.status = 404;
      if (logUnknown) console.warn(`[fake-binance] no handler for ${method} ${path}`);
      send(res, 404, { code: -1, msg: `fake-binance: no handler for ${method} ${path}` });
      return;
    }
    const drop = drops.get(`${method} ${path}`);
    if (drop && drop.count > 0) {
      drop.count--;
      record.status = 0;
      if (drop.handled) {
        try {
          verify(route, req, rawQuery, rawBody);
          const params = { ...record.query, ...record.body };
          delete params['signature'];
          route.handler({ method, path, params });
        } catch {
          // Refused: what it would have answered is lost with the rest.
        }
      }
      res.socket?.destroy();
      return;
    }
    try {
      verify(route, req, rawQuery, rawBody);
      const params = { ...record.query, ...record.body };
      delete params['signature'];
      const result = route.handler({ method, path, params });
      send(res, 200, result);
    } catch (e) {
      if (e instanceof BinanceError) {
        record.status = e.status;
        send(res, e.status, { code: e.code, msg: e.message });
        return;
      }
      record.status = 500;
      console.error('[fake-binance] handler crashed', method, path, e);
      send(res, 500, { code: -1000, msg: `fake-binance internal error: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject_) => {
    server.once('error', reject_);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    orders,
    leverage,
    positions,
    spotBalances,
    futuresWallet,
    dropResponses(path: string, count = 1, handled = true): void {
      drops.set(path, { count, handled });
    },
    count(path: string): number {
      const [first = '', second] = path.split(' ');
      if (second !== undefined) return requests.filter((r) => r.method === first && r.path === second).length;
      return requests.filter((r) => r.path === path).length;
    },
    setPrice(symbol: string, price: number): void {
      const id = normalizeId(symbol);
      if (!prices.has(id)) throw new Error(`fake-binance: unknown symbol ${symbol}`);
      prices.set(id, price);
      onPrice(id, price);
    },
    price(symbol: string): number {
      return priceOf(normalizeId(symbol));
    },
    close(): Promise<void> {
      return new Promise<void>((resolve, reject_) => {
        server.close((err) => (err ? reject_(err) : resolve()));
        // fetch keeps sockets alive; without this close() waits for their idle timeout.
        server.closeAllConnections();
      });
    },
  };
}
