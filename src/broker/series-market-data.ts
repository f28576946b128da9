// Prices from a candle series held in memory, at the time `now()` says: paper mode's from the candle store
// (store-market-data.ts), a backtest's from the series it replays. Read through market-data/candle-view.ts, which
// shows only what had happened by `now`: no replay onto the wall clock, no interpolation, and a time the candles do
// not reach is an error rather than an invented price. It opens no file, so any process holding a series can use it.
import type { MarketInterface, OHLCV, Ticker } from 'ccxt';
import { BadSymbol, ExchangeError, NotSupported } from '../sdk/errors.js';
import type { CandleSeries } from '../market-data/candle-series.js';
import { priceRangeAt, settleStepsOf, ohlcvAt, tickerAt } from '../market-data/candle-view.js';
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
    const market = toMarket(p, symbol.includes(':') ? 'swap' : 'spot');
    if (market.symbol !== symbol) throw new BadSymbol(`No market ${symbol} for the stored ${p.label} candles.`);
    return market;
  };
  // The last ticker made: an order reads the price at one time two or three times (the risk guard's, the fill's), and
  // a ticker adds up a day of candles. A copy each time, as each call's answer is its own.
  let lastTicker: { p: PricedSymbol; symbol: string; t: number; ticker: Ticker } | undefined;
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
      if (lastTicker?.p !== p || lastTicker.symbol !== symbol || lastTicker.t !== t) {
        const ticker = tickerAt(p.series, symbol, t);
        if (!ticker) throw noPrice(p, t);
        lastTicker = { p, symbol, t, ticker };
      }
      return { ...lastTicker.ticker, info: {} };
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
