// Trend following: EMA fast/slow direction, filtered by RSI, with ATR for the stop distance.
import { ATR, EMA, RSI } from 'trading-signals';
import type { Candle } from './candles.js';

export interface TrendOptions {
  emaFast: number;
  emaSlow: number;
  rsiPeriod: number;
  /** A long needs RSI within [rsiLongMin, rsiLongMax]: momentum, but not overbought. */
  rsiLongMin: number;
  rsiLongMax: number;
  /** A short needs RSI within [rsiShortMin, rsiShortMax]. */
  rsiShortMin: number;
  rsiShortMax: number;
  atrPeriod: number;
}

export const defaultTrendOptions: TrendOptions = {
  emaFast: 21,
  emaSlow: 55,
  rsiPeriod: 14,
  rsiLongMin: 50,
  rsiLongMax: 70,
  rsiShortMin: 30,
  rsiShortMax: 50,
  atrPeriod: 14,
};

export interface TrendSignal {
  direction: 'long' | 'short' | null;
  /** Direction of the EMAs alone, before the RSI filter. */
  trend: 'up' | 'down' | null;
  close: number | null;
  emaFast: number | null;
  emaSlow: number | null;
  rsi: number | null;
  atr: number | null;
  reason: string;
}

export function trendSignal(candles: readonly Candle[], options: Partial<TrendOptions> = {}): TrendSignal {
  const o = { ...defaultTrendOptions, ...options };
  if (o.emaFast >= o.emaSlow) throw new Error(`Expected emaFast (${o.emaFast}) to be shorter than emaSlow (${o.emaSlow}).`);
  const fast = new EMA(o.emaFast);
  const slow = new EMA(o.emaSlow);
  const rsi = new RSI(o.rsiPeriod);
  const atr = new ATR(o.atrPeriod);
  for (const c of candles) {
    fast.add(c.close);
    slow.add(c.close);
    rsi.add(c.close);
    atr.add({ high: c.high, low: c.low, close: c.close });
  }
  const value = (indicator: { isStable: boolean; getResult(): number | null }) => (indicator.isStable ? indicator.getResult() : null);
  const signal: TrendSignal = {
    direction: null,
    trend: null,
    close: candles.at(-1)?.close ?? null,
    emaFast: value(fast),
    emaSlow: value(slow),
    rsi: value(rsi),
    atr: value(atr),
    reason: '',
  };
  const { emaFast: f, emaSlow: s, rsi: r, close } = signal;
  if (f === null || s === null || r === null || close === null) {
    signal.reason = `not enough candles (${candles.length}) for EMA ${o.emaSlow} and RSI ${o.rsiPeriod}`;
    return signal;
  }
  signal.trend = f > s ? 'up' : f < s ? 'down' : null;
  const fmt = (x: number) => x.toFixed(2);
  if (signal.trend === 'up' && close > f && r >= o.rsiLongMin && r <= o.rsiLongMax) {
    signal.direction = 'long';
    signal.reason = `EMA${o.emaFast} ${fmt(f)} > EMA${o.emaSlow} ${fmt(s)}, close above, RSI ${fmt(r)} in [${o.rsiLongMin}, ${o.rsiLongMax}]`;
  } else if (signal.trend === 'down' && close < f && r >= o.rsiShortMin && r <= o.rsiShortMax) {
    signal.direction = 'short';
    signal.reason = `EMA${o.emaFast} ${fmt(f)} < EMA${o.emaSlow} ${fmt(s)}, close below, RSI ${fmt(r)} in [${o.rsiShortMin}, ${o.rsiShortMax}]`;
  } else {
    signal.reason = `trend ${signal.trend ?? 'flat'}, close ${fmt(close)}, RSI ${fmt(r)}: no entry`;
  }
  return signal;
}

/**
 * Multi-timeframe confirmation: the first signal (the entry timeframe) gives the direction, and every other
 * (higher) timeframe's EMA trend must point the same way.
 */
export function confirmDirection(signals: readonly TrendSignal[]): 'long' | 'short' | null {
  const [entry, ...higher] = signals;
  const direction = entry?.direction ?? null;
  if (direction === null) return null;
  const wanted = direction === 'long' ? 'up' : 'down';
  return higher.every((s) => s.trend === wanted) ? direction : null;
}

/** Stop price `multiplier` ATRs away from the entry, on the losing side. */
export function atrStop(side: 'long' | 'short', entry: number, atr: number, multiplier: number): number {
  return side === 'long' ? entry - atr * multiplier : entry + atr * multiplier;
}

/** Take-profit at `rewardRisk` times the stop distance, on the winning side. */
export function takeProfitAt(side: 'long' | 'short', entry: number, stop: number, rewardRisk: number): number {
  const distance = Math.abs(entry - stop) * rewardRisk;
  return side === 'long' ? entry + distance : entry - distance;
}
