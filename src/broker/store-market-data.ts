// Paper mode's prices from candles the operator owns (the candle store in the home), at the time a run is
// scheduled for, and the backtest's prices, which are the same thing: both read the series through
// market-data/candle-view.ts, which shows only what had happened by `now`. No replay onto the wall clock, no
// interpolation, and a time the candles do not reach is an error rather than an invented price.
import type { MarketInterface, OHLCV, Ticker } from 'ccxt';
import { BadSymbol, ExchangeError, NotSupported } from '../sdk/errors.js';
import type { CandleSeries } from '../market-data/candle-series.js';
import { CandleStore } from '../market-data/candle-store.js';
import { lastPriceAt, ohlcvAt, priceRangeAt, settleStepsOf, tickerAt } from '../market-data/candle-view.js';
import { toMarket, type RecordedMarket } from '../market-data/markets.js';
import type { MarketData } from './market-data.js';
import { errorText } from '../errors.js';

export interface PricedSymbol {
  /** The spot symbol the candles are of; its perpetual shares them. */
  symbol: string;
  series: CandleSeries;
  markets: Partial<Record<'spot' | 'swap', RecordedMarket>>;
  /** For messages: 'binance BTC/USDT 1m'. */
  label: string;
}

export function seriesMarketData(lookup: (symbol: string) => PricedSymbol | undefined, now: () => number, known: () => string[] = () => []): MarketData {
  const priced = (symbol: string): PricedSymbol => {
    const found = lookup(symbol);
    if (!found) throw new BadSymbol(`No stored candles for ${symbol} (botctl data list; botctl data fetch or import them).`);
    return found;
  };
  const marketOf = (symbol: string): MarketInterface => {
    const p = priced(symbol);
    const market = [toMarket(p, 'spot'), toMarket(p, 'swap')].find((m) => m.symbol === symbol);
    if (!market) throw new BadSymbol(`No market ${symbol} for the stored ${p.label} candles.`);
    return market;
  };
  const noPrice = (p: PricedSymbol, t: number) =>
    new ExchangeError(`The stored ${p.label} candles have no price at ${new Date(t).toISOString()} (they start at ${new Date(p.series.time[0] ?? 0).toISOString()}).`);
  return {
    source: 'recorded',
    async markets() {
      const out: Record<string, MarketInterface> = {};
      for (const symbol of known()) {
        const p = lookup(symbol);
        if (p) for (const m of [toMarket(p, 'spot'), toMarket(p, 'swap')]) out[m.symbol] = m;
      }
      return out;
    },
    market: async (symbol) => marketOf(symbol),
    async fetchOHLCV(symbol, timeframe, since, limit = 500): Promise<OHLCV[]> {
      marketOf(symbol);
      const p = priced(symbol);
      try {
        return ohlcvAt(p.series, timeframe ?? p.series.timeframe, since, Math.min(limit, 1500), now());
      } catch (error) {
        throw new NotSupported(`Stored candles for ${symbol} are ${p.series.timeframe}: ${errorText(error)}.`);
      }
    },
    async fetchTicker(symbol): Promise<Ticker> {
      marketOf(symbol);
      const p = priced(symbol);
      const t = now();
      const ticker = tickerAt(p.series, symbol, t);
      if (!ticker) throw noPrice(p, t);
      return ticker;
    },
    async priceRange(symbol, since, until) {
      const p = priced(symbol);
      const range = priceRangeAt(p.series, since, until);
      if (!range) throw noPrice(p, until);
      return range;
    },
    settleSteps: async (symbol, since, until) => settleStepsOf(priced(symbol).series, since, until),
  };
}

/** The finest stored series of each symbol, from `exchange` or else another exchange's same spot symbol. */
export function storeLookup(home: string, exchange: string): { lookup: (symbol: string) => PricedSymbol | undefined; known: () => string[] } {
  const store = new CandleStore(home);
  const cache = new Map<string, PricedSymbol | undefined>();
  const lookup = (symbol: string) => {
    if (!cache.has(symbol)) {
      const found = store.find(exchange, symbol)[0];
      const series = found && store.read(found.exchange, found.symbol, found.timeframe);
      cache.set(symbol, found && series ? { symbol: found.symbol.replace(/:.*$/, ''), series, markets: store.meta(found.exchange, found.symbol).markets ?? {}, label: `${found.exchange} ${found.symbol} ${found.timeframe}` } : undefined);
    }
    return cache.get(symbol);
  };
  const known = () => store.list().map((s) => s.symbol);
  return { lookup, known };
}

/** True when the store has a candle of `symbol` that had opened by `now` and closes no earlier than one candle before it. */
export function storeCovers(home: string, exchange: string, symbol: string, now: number): boolean {
  const p = storeLookup(home, exchange).lookup(symbol);
  if (!p || lastPriceAt(p.series, now) === undefined) return false;
  return (p.series.time[p.series.length - 1] ?? 0) + 2 * p.series.spanMs > now;
}
