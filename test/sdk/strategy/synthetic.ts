// Synthetic candle series where the right decision is known by construction.
import type { Candle } from '../../../src/sdk/strategy/candles.js';

const hour = 3_600_000;

/** One closed hourly candle per close, high/low half a unit around it, starting at 2024-01-01. */
export function candlesFrom(closes: readonly number[], start = Date.UTC(2024, 0, 1)): Candle[] {
  return closes.map((close, i) => ({ time: start + i * hour, open: closes[i - 1] ?? close, high: close + 0.5, low: close - 0.5, close, volume: 10 }));
}

/** Repeats [up, down] steps from `start`: +2/-1 trends up with RSI ≈ 66.7; -2/+1 trends down with RSI ≈ 33.3. */
export function zigzag(start: number, up: number, down: number, count: number): number[] {
  const closes = [start];
  for (let i = 1; i < count; i++) closes.push((closes[i - 1] ?? start) + (i % 2 === 1 ? up : -down));
  return closes;
}
