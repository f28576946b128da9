// `botctl data fetch`: candles through ccxt's public API into the candle store, page by page (ccxt's own rate
// limiter paces the requests), asking only for the parts of the period the store has not asked for before. What it
// has is written every few pages and when it stops for any reason, so an interrupted fetch resumes where it stopped.
import type { Exchange, MarketInterface } from 'ccxt';
import { invalid } from '../errors.js';
import { timeframeMs } from '../sdk/strategy/candles.js';
import { gapsOf, seriesFromRows, type CandleRow, type Gap } from './candle-series.js';
import { addRange, CandleStore, missingRanges } from './candle-store.js';
import type { RecordedMarket } from './markets.js';

export interface FetchOptions {
  exchange: string;
  symbol: string;
  timeframe: string;
  since: number;
  until?: number | undefined;
  /** Candles per request; Binance answers at most 1000 (spot) or 1500 (futures). */
  pageSize?: number;
  /** Pages between two writes to the store. */
  flushEvery?: number;
  now?: () => number;
  onProgress?(done: number, total: number): void;
}

export interface FetchResult {
  exchange: string;
  symbol: string;
  timeframe: string;
  from: number;
  to: number;
  /** Candles the period should hold, and how many of them the store had asked for already. */
  expected: number;
  already: number;
  fetched: number;
  requests: number;
  stored: number;
  gaps: Gap[];
}

export async function fetchCandles(client: Exchange, home: string, options: FetchOptions): Promise<FetchResult> {
  const { exchange, symbol, timeframe } = options;
  const span = timeframeMs(timeframe);
  const market = marketOf(client, symbol);
  const now = (options.now ?? Date.now)();
  const from = Math.floor(options.since / span) * span;
  // Only candles that have closed: the one forming now would be stored half-made.
  const to = Math.min(Math.ceil((options.until ?? now) / span) * span, Math.floor(now / span) * span);
  if (!(to > from)) throw invalid(`Expected --since to be before --until and before now, got ${new Date(options.since).toISOString()} .. ${new Date(to).toISOString()}.`);
  const store = new CandleStore(home);
  const meta = store.meta(exchange, symbol);
  meta.markets = { ...meta.markets, ...rulesOf(client, market) };
  meta.sources = [...new Set([...meta.sources, `ccxt:${client.id}`])];
  const todo = missingRanges(meta.covered[timeframe] ?? [], from, to);
  const expected = (to - from) / span;
  const total = todo.reduce((sum, [a, b]) => sum + (b - a) / span, 0);
  const result: FetchResult = { exchange, symbol, timeframe, from, to, expected, already: expected - total, fetched: 0, requests: 0, stored: 0, gaps: [] };

  const pageSize = options.pageSize ?? 1000;
  const flushEvery = options.flushEvery ?? 10;
  let pending: CandleRow[] = [];
  let pendingCovered: [number, number][] = [];
  let pages = 0;
  const flush = () => {
    if (pending.length) store.write(exchange, symbol, seriesFromRows(timeframe, pending));
    for (const [a, b] of pendingCovered) meta.covered[timeframe] = addRange(meta.covered[timeframe] ?? [], a, b);
    store.writeMeta(meta);
    pending = [];
    pendingCovered = [];
  };
  try {
    options.onProgress?.(0, total);
    for (const [a, b] of todo) {
      let cursor = a;
      while (cursor < b) {
        const page = await client.fetchOHLCV(symbol, timeframe, cursor, pageSize, { until: b - 1 });
        result.requests++;
        const rows = page.map((r) => r.map(Number) as CandleRow).filter(([t]) => t >= cursor && t < b);
        pending.push(...rows);
        result.fetched += rows.length;
        const last = rows[rows.length - 1]?.[0];
        // A short page (or none) is the end of what the exchange has up to b: whatever is missing there is a gap.
        const end = last === undefined || page.length < pageSize ? b : last + span;
        pendingCovered.push([cursor, end]);
        cursor = end;
        options.onProgress?.(Math.min(total, result.fetched), total);
        if (++pages % flushEvery === 0) flush();
      }
    }
  } finally {
    flush();
  }
  const series = store.read(exchange, symbol, timeframe);
  result.stored = series?.length ?? 0;
  result.gaps = series ? gapsOf(series).filter((g) => g.to > from && g.from < to) : [];
  return result;
}

function marketOf(client: Exchange, symbol: string): MarketInterface {
  const market = (client.markets ?? {})[symbol] as MarketInterface | undefined;
  if (!market) {
    const some = Object.keys(client.markets ?? {}).slice(0, 5).join(', ');
    throw invalid(`Expected --pair to be a market of ${client.id}, got ${JSON.stringify(symbol)} (for example: ${some || 'none loaded'}).`);
  }
  return market;
}

// The rules beside the candles, so a backtest sizes and rounds orders as the exchange would: the symbol's own and,
// for a spot symbol, its perpetual's where the exchange client knows it.
function rulesOf(client: Exchange, market: MarketInterface): Partial<Record<'spot' | 'swap', RecordedMarket>> {
  // Steps and ticks, whatever the exchange's precision mode (ccxt's DECIMAL_PLACES is 2: digits, not steps).
  const step = (value: number | undefined) => (value === undefined ? 1e-8 : client.precisionMode === 2 ? Number((10 ** -value).toFixed(value)) : Number(value));
  const toRules = (m: MarketInterface): RecordedMarket => ({
    id: m.id ?? '', amountStep: step(m.precision.amount), priceTick: step(m.precision.price),
    minAmount: Number(m.limits.amount?.min ?? 0), maxAmount: Number(m.limits.amount?.max ?? 1e9), minCost: Number(m.limits.cost?.min ?? 0),
    taker: Number(m.taker ?? 0.001), maker: Number(m.maker ?? 0.001), ...(m.limits.leverage?.max ? { maxLeverage: Number(m.limits.leverage.max) } : {}),
  });
  const out: Partial<Record<'spot' | 'swap', RecordedMarket>> = {};
  if (market.contract) out.swap = toRules(market);
  else {
    out.spot = toRules(market);
    const perpetual = (client.markets ?? {})[`${market.symbol}:${market.quote}`] as MarketInterface | undefined;
    if (perpetual) out.swap = toRules(perpetual);
  }
  return out;
}
