// A bot's fetchOHLCV arguments, bounded before any venue sees them: a timeframe of at most a year, a finite
// `since`, at most 1500 candles (Binance's own maximum). On recorded data the parent process builds the candles
// itself (market-data.ts), so the bounds are what keeps one request from holding botd's event loop: with them a
// request costs at most 1500 constant-time candles (about 1 ms measured, whatever the timeframe).
import { BadRequest } from '../sdk/errors.js';
import { timeframeMs } from '../sdk/strategy/candles.js';

export const maxCandlesPerRequest = 1500;
export const maxTimeframeMs = timeframeMs('1y');

export interface OhlcvRequest {
  timeframe: string | undefined;
  since: number | undefined;
  limit: number | undefined;
}

export function ohlcvRequest(timeframe: unknown, since: unknown, limit: unknown): OhlcvRequest {
  if (timeframe !== undefined && !(typeof timeframe === 'string' && /^[1-9]\d{0,3}[smhdwMy]$/.test(timeframe) && timeframeMs(timeframe) <= maxTimeframeMs)) {
    throw new BadRequest(`fetchOHLCV: timeframe must be like 15m, 1h or 1d and at most 1y, got ${shown(timeframe)}.`);
  }
  if (since !== undefined && !(typeof since === 'number' && Number.isFinite(since))) {
    throw new BadRequest(`fetchOHLCV: since must be a time in milliseconds, got ${shown(since)}.`);
  }
  if (limit !== undefined && !(typeof limit === 'number' && Number.isFinite(limit) && limit >= 1)) {
    throw new BadRequest(`fetchOHLCV: limit must be a number of candles from 1, got ${shown(limit)}.`);
  }
  // More than the maximum gets the maximum, as from the exchange.
  return { timeframe, since, limit: limit === undefined ? undefined : Math.min(Math.floor(limit), maxCandlesPerRequest) };
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
