// Candles as named fields, and the time arithmetic strategies need to decide on closed candles only.
import type { OHLCV } from 'ccxt';

export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export function toCandles(rows: readonly OHLCV[]): Candle[] {
  return rows.map(([time, open, high, low, close, volume]) => ({
    time: Number(time),
    open: Number(open),
    high: Number(high),
    low: Number(low),
    close: Number(close),
    volume: Number(volume ?? 0),
  }));
}

const units: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 2_592_000_000, y: 31_536_000_000 };

/** '15m' → 900000, as ccxt's parseTimeframe (in ms). */
export function timeframeMs(timeframe: string): number {
  const match = /^(\d+)([smhdwMy])$/.exec(timeframe);
  const unit = match ? units[match[2] ?? ''] : undefined;
  if (!match || unit === undefined) throw new Error(`Expected a timeframe such as 15m, 1h or 1d, got ${JSON.stringify(timeframe)}.`);
  return Number(match[1]) * unit;
}

// Exchanges include the candle still forming; deciding on it makes signals flicker within one bar.
/** The candles that had closed at `now`. */
export function closedCandles(candles: readonly Candle[], timeframe: string, now: number): Candle[] {
  const span = timeframeMs(timeframe);
  return candles.filter((c) => c.time + span <= now);
}

export const closes = (candles: readonly Candle[]): number[] => candles.map((c) => c.close);
