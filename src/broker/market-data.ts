// Market data for paper trading: the exchange's public data through a key-less ccxt client, or, offline, a
// recorded candle file (data/candles/<exchange>-<BASEQUOTE>-<tf>.json) replayed onto the current time.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Exchange, MarketInterface, OHLCV, Ticker } from 'ccxt';
import { BadSymbol, NotSupported } from '../sdk/errors.js';
import { timeframeMs } from '../sdk/strategy/candles.js';
import { CandleCycle } from './candle-cycle.js';
import { maxCandlesPerRequest } from './ohlcv-request.js';
import { toMarket, type RecordedMarket } from '../market-data/markets.js';

export type { RecordedMarket };

export interface MarketData {
  readonly source: 'exchange' | 'recorded';
  markets(): Promise<Record<string, MarketInterface>>;
  market(symbol: string): Promise<MarketInterface>;
  fetchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<OHLCV[]>;
  fetchTicker(symbol: string): Promise<Ticker>;
  /** Lowest and highest traded price in [since, until]: what resting paper orders are checked against. */
  priceRange(symbol: string, since: number, until: number): Promise<{ low: number; high: number; last: number }>;
  /** When resting orders are checked between two times: one step per candle where the data has candles. */
  settleSteps?(symbol: string, since: number, until: number): Promise<number[]>;
}

export function exchangeMarketData(client: Exchange): MarketData {
  const market = async (symbol: string) => client.market(symbol) as MarketInterface;
  return {
    source: 'exchange',
    markets: async () => client.markets as Record<string, MarketInterface>,
    market,
    fetchOHLCV: (symbol, timeframe = '1m', since, limit) => client.fetchOHLCV(symbol, timeframe, since, limit),
    fetchTicker: (symbol) => client.fetchTicker(symbol),
    async priceRange(symbol, since, until) {
      const last = Number((await client.fetchTicker(symbol)).last);
      if (until - since < 60_000) return { low: last, high: last, last };
      const rows = await client.fetchOHLCV(symbol, '1m', since, 1000);
      const inRange = rows.filter((r) => Number(r[0]) <= until);
      const lows = inRange.map((r) => Number(r[3]));
      const highs = inRange.map((r) => Number(r[2]));
      return { low: Math.min(last, ...lows), high: Math.max(last, ...highs), last };
    },
  };
}

/** A recorded candle file. Candles carry no times: row i is the i-th base candle of a cycle (see below). */
export interface RecordedFile {
  synthetic?: boolean;
  note?: string;
  exchange: string;
  /** Spot symbol, e.g. 'BTC/USDT'; the same prices serve its perpetual ('BTC/USDT:USDT'). */
  symbol: string;
  timeframe: string;
  /** Market rules per kind, as the exchange publishes them. */
  markets: Record<'spot' | 'swap', RecordedMarket>;
  /** [open, high, low, close, volume] */
  candles: [number, number, number, number, number][];
}


const cache = new Map<string, RecordedFile>();
const cycles = new WeakMap<RecordedFile, CandleCycle>();

function cycleOf(file: RecordedFile): CandleCycle {
  let cycle = cycles.get(file);
  if (!cycle) cycles.set(file, (cycle = new CandleCycle(file.candles)));
  return cycle;
}

function load(path: string): RecordedFile {
  let file = cache.get(path);
  if (!file) {
    file = JSON.parse(readFileSync(path, 'utf8')) as RecordedFile;
    cache.set(path, file);
  }
  return file;
}

/**
 * Replays recorded candles as if they were live: base candle k of the wall clock (k = floor(t / tf)) is row
 * k mod N, so the series cycles (the generator makes its end meet its start) and repeated runs see prices
 * move. The forming candle grows towards its recorded close over its interval, so the ticker moves too.
 * Longer than 80 lines: one closure holding the loaded files, returning the MarketData methods, each short.
 */
export function recordedMarketData(options: { dir: string; exchange: string; now?: () => number }): MarketData {
  const now = options.now ?? Date.now;
  const files = (): RecordedFile[] => {
    let names: string[];
    try {
      names = readdirSync(options.dir).filter((f) => f.endsWith('.json')).sort();
    } catch {
      names = [];
    }
    return names.map((f) => load(join(options.dir, f)));
  };
  const fileFor = (symbol: string): RecordedFile => {
    const spot = symbol.replace(/:.*$/, '');
    const candidates = files().filter((f) => f.symbol === spot);
    const file = candidates.find((f) => f.exchange === options.exchange) ?? candidates[0];
    if (!file) {
      const available = [...new Set(files().map((f) => f.symbol))].join(', ') || 'none';
      throw new BadSymbol(`No recorded market data for ${symbol} in ${options.dir} (recorded: ${available}).`);
    }
    return file;
  };
  const marketsOf = (file: RecordedFile): MarketInterface[] => [toMarket(file, 'spot'), toMarket(file, 'swap')];
  const marketOf = (symbol: string): MarketInterface => {
    const found = marketsOf(fileFor(symbol)).find((m) => m.symbol === symbol);
    if (!found) throw new BadSymbol(`No recorded market ${symbol}.`);
    return found;
  };

  // Base candle k of the wall clock, with the forming one cut at time t.
  const baseCandle = (file: RecordedFile, k: number, t: number): [number, number, number, number, number, number] => {
    const span = timeframeMs(file.timeframe);
    const [o, h, l, c, v] = cycleOf(file).row(k);
    const openTime = k * span;
    const elapsed = (t - openTime) / span;
    if (elapsed >= 1) return [openTime, o, h, l, c, v];
    const f = Math.max(0, elapsed);
    const close = round(o + (c - o) * f, o);
    return [openTime, o, Math.max(o, close), Math.min(o, close), close, v * f];
  };

  // Candles of `timeframe` made of the file's base candles up to now (the last one forming). Each costs the same
  // whatever the timeframe (candle-cycle.ts), so a request costs at most `limit` (≤ 1500) of them.
  const candles = (symbol: string, timeframe: string, since: number | undefined, limit: number): OHLCV[] => {
    const file = fileFor(symbol);
    const base = timeframeMs(file.timeframe);
    const span = timeframeMs(timeframe);
    if (span % base !== 0) {
      throw new NotSupported(`Recorded data for ${symbol} has ${file.timeframe} candles; ${timeframe} is not a multiple of it.`);
    }
    const per = span / base;
    const t = now();
    const forming = Math.floor(t / base);
    const cycle = cycleOf(file);
    const current = Math.floor(t / span);
    const first = since !== undefined ? Math.ceil(since / span) : current - limit + 1;
    const rows: OHLCV[] = [];
    for (let j = first; j <= current && rows.length < limit; j++) {
      const from = j * per;
      if (from > forming) break;
      const last = from + per - 1;
      // The closed base candles of the row, then the forming one if the row holds it.
      let row: [number, number, number, number, number] | undefined = Math.min(last, forming - 1) >= from ? cycle.span(from, Math.min(last, forming - 1)) : undefined;
      if (last >= forming) {
        const [, o, h, l, c, v] = baseCandle(file, forming, t);
        row = row ? [row[0], Math.max(row[1], h), Math.min(row[2], l), c, row[4] + v] : [o, h, l, c, v];
      }
      if (row) rows.push([j * span, ...row]);
    }
    return rows;
  };

  const lastPrice = (symbol: string, t: number): number => {
    const file = fileFor(symbol);
    const k = Math.floor(t / timeframeMs(file.timeframe));
    return baseCandle(file, k, t)[4];
  };

  return {
    source: 'recorded',
    async markets() {
      return Object.fromEntries(files().flatMap(marketsOf).map((m) => [m.symbol, m]));
    },
    market: async (symbol) => marketOf(symbol),
    fetchOHLCV: async (symbol, timeframe = '1h', since, limit = 100) => {
      marketOf(symbol);
      return candles(symbol, timeframe, since, Math.min(limit, maxCandlesPerRequest));
    },
    async fetchTicker(symbol) {
      marketOf(symbol);
      const t = now();
      const day = candles(symbol, fileFor(symbol).timeframe, t - 86_400_000, 1500);
      const last = lastPrice(symbol, t);
      const open = Number(day[0]?.[1] ?? last);
      const high = Math.max(last, ...day.map((r) => Number(r[2])));
      const low = Math.min(last, ...day.map((r) => Number(r[3])));
      const baseVolume = day.reduce((sum, r) => sum + Number(r[5]), 0);
      return {
        symbol, timestamp: t, datetime: new Date(t).toISOString(), high, low, bid: last, bidVolume: undefined, ask: last, askVolume: undefined,
        vwap: undefined, open, close: last, last, previousClose: undefined, change: last - open, percentage: ((last - open) / open) * 100,
        average: (last + open) / 2, baseVolume, quoteVolume: baseVolume * last, markPrice: last, indexPrice: last, info: {},
      } as Ticker;
    },
    async priceRange(symbol, since, until) {
      const file = fileFor(symbol);
      const base = timeframeMs(file.timeframe);
      const last = lastPrice(symbol, until);
      let low = last;
      let high = last;
      // Whole base candles between the two times (bounded: a paper account idle for months reads one cycle).
      const from = Math.max(Math.floor(since / base), Math.floor(until / base) - file.candles.length);
      for (let k = from; k * base <= until; k++) {
        const [, , h, l] = baseCandle(file, k, until);
        low = Math.min(low, l);
        high = Math.max(high, h);
      }
      return { low, high, last };
    },
  };
}

function round(value: number, like: number): number {
  const decimals = like >= 1000 ? 2 : like >= 1 ? 4 : 8;
  return Number(value.toFixed(decimals));
}
