// A run of candles of one (exchange, symbol, timeframe) as six columns of float64, sorted by open time with no
// duplicates. Columns rather than rows: a year of 1m candles is 525,600 rows, and six typed arrays of them are 25 MB
// that a file read fills in one go, where 525,600 row objects cost several times that (candle-store.ts says more).
import { timeframeMs } from '../sdk/strategy/candles.js';

export interface CandleSeries {
  timeframe: string;
  /** The timeframe in ms: candle i spans [time[i], time[i] + spanMs). */
  spanMs: number;
  length: number;
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** [openTime, open, high, low, close, volume] */
export type CandleRow = [number, number, number, number, number, number];

export const columns = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

export function emptySeries(timeframe: string, length = 0): CandleSeries {
  const make = () => new Float64Array(length);
  return { timeframe, spanMs: timeframeMs(timeframe), length, time: make(), open: make(), high: make(), low: make(), close: make(), volume: make() };
}

export function seriesFromRows(timeframe: string, rows: readonly CandleRow[]): CandleSeries {
  const sorted = [...rows].sort((a, b) => a[0] - b[0]);
  const unique = sorted.filter((row, i) => i + 1 === sorted.length || (sorted[i + 1]?.[0] ?? NaN) !== row[0]);
  const series = emptySeries(timeframe, unique.length);
  unique.forEach((row, i) => columns.forEach((name, j) => (series[name][i] = row[j] ?? 0)));
  return series;
}

export function rowAt(series: CandleSeries, i: number): CandleRow {
  return [series.time[i] ?? 0, series.open[i] ?? 0, series.high[i] ?? 0, series.low[i] ?? 0, series.close[i] ?? 0, series.volume[i] ?? 0];
}

/** Index of the first candle opening at or after `t` (length when none). */
export function firstAtOrAfter(series: CandleSeries, t: number): number {
  let lo = 0;
  let hi = series.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((series.time[mid] ?? 0) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The candles opening in [from, to). */
export function sliceSeries(series: CandleSeries, from: number, to: number): CandleSeries {
  const a = firstAtOrAfter(series, from);
  const b = firstAtOrAfter(series, to);
  const part = (c: Float64Array) => c.subarray(a, b);
  return {
    timeframe: series.timeframe, spanMs: series.spanMs, length: b - a,
    time: part(series.time), open: part(series.open), high: part(series.high), low: part(series.low), close: part(series.close), volume: part(series.volume),
  };
}

/** Both series' candles; where both have one open time, `newer`'s. */
export function mergeSeries(older: CandleSeries, newer: CandleSeries): CandleSeries {
  const out = emptySeries(older.timeframe, older.length + newer.length);
  let i = 0;
  let j = 0;
  let n = 0;
  const copy = (from: CandleSeries, k: number) => {
    for (const name of columns) out[name][n] = from[name][k] ?? 0;
    n++;
  };
  while (i < older.length || j < newer.length) {
    const a = i < older.length ? (older.time[i] ?? 0) : Infinity;
    const b = j < newer.length ? (newer.time[j] ?? 0) : Infinity;
    if (a < b) copy(older, i++);
    else {
      copy(newer, j++);
      if (a === b) i++;
    }
  }
  return sliceLength(out, n);
}

function sliceLength(series: CandleSeries, n: number): CandleSeries {
  const cut = (c: Float64Array) => c.slice(0, n);
  return { ...series, length: n, time: cut(series.time), open: cut(series.open), high: cut(series.high), low: cut(series.low), close: cut(series.close), volume: cut(series.volume) };
}

export interface Gap {
  /** Open time of the first missing candle. */
  from: number;
  /** Open time of the next candle present. */
  to: number;
  missing: number;
}

/** Where consecutive candles are further apart than one timeframe: the exchange had none there. */
export function gapsOf(series: CandleSeries): Gap[] {
  const gaps: Gap[] = [];
  for (let i = 1; i < series.length; i++) {
    const previous = series.time[i - 1] ?? 0;
    const current = series.time[i] ?? 0;
    if (current - previous > series.spanMs) gaps.push({ from: previous + series.spanMs, to: current, missing: Math.round((current - previous) / series.spanMs) - 1 });
  }
  return gaps;
}
