// Paper mode's prices from candles the operator owns (the candle store in the home), at the time a run is
// scheduled for, and the backtest's prices, which are the same thing: the store's series served through
// series-market-data.ts.
import { CandleStore } from '../market-data/candle-store.js';
import { lastPriceAt } from '../market-data/candle-view.js';
import type { PricedSymbol } from './series-market-data.js';

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
