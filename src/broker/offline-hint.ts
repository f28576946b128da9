// A paper run that cannot reach the exchange's public market data says how to run without it: a newcomer
// behind a firewall otherwise sees only "getaddrinfo ENOTFOUND fapi.binance.com".
import type { MarketData } from './market-data.js';

export const offlineHint =
  'offline? BOTCTL_MARKET_DATA=recorded (or {"offline": true} in <home>/config.json) runs paper mode on the recorded candles in data/candles/';

const networkish = /NetworkError|RequestTimeout|ExchangeNotAvailable|DDoSProtection/;

/** Rethrows `error` with the hint appended to its message when it is a network failure; its class is kept. */
function hinted(error: unknown): never {
  if (error instanceof Error && networkish.test(error.name) && !error.message.includes(offlineHint)) {
    error.message = `${error.message} (${offlineHint})`;
  }
  throw error;
}

export async function withOfflineHint<T>(pending: Promise<T>): Promise<T> {
  return pending.catch(hinted);
}

/** The exchange's market data, its network failures carrying the hint. */
export function hintedMarketData(data: MarketData): MarketData {
  return {
    source: data.source,
    markets: () => withOfflineHint(data.markets()),
    market: (symbol) => withOfflineHint(data.market(symbol)),
    fetchOHLCV: (symbol, timeframe, since, limit) => withOfflineHint(data.fetchOHLCV(symbol, timeframe, since, limit)),
    fetchTicker: (symbol) => withOfflineHint(data.fetchTicker(symbol)),
    priceRange: (symbol, since, until) => withOfflineHint(data.priceRange(symbol, since, until)),
  };
}
