// What a candle series looked like at a given moment: the candles, ticker and price ranges that had happened by
// `now`, and nothing after it. Pure functions, shared by paper mode's prices from the store (series-market-data.ts)
// and by the backtest child, which answers fetchOHLCV and fetchTicker from them itself: the same code on both sides.
//
// At `now`, a base candle that has closed (open time + timeframe <= now) is seen whole. The one forming at `now` is
// seen as it stood: its open, which is all that is known of it before it closes (no finer data is stored), so its
// high, low and close are the open and its volume 0. A candle opening after `now` does not exist yet.
import type { OHLCV, Ticker } from 'ccxt';
import { timeframeMs } from '../sdk/strategy/candles.js';
import { firstAtOrAfter, type CandleSeries } from './candle-series.js';

/** Index of the last base candle that had opened at `now` (-1 when none). */
export function lastVisible(series: CandleSeries, now: number): number {
  return firstAtOrAfter(series, now + 1) - 1;
}

function closedAt(series: CandleSeries, i: number, now: number): boolean {
  return (series.time[i] ?? 0) + series.spanMs <= now;
}

/** The candles of `timeframe` (a multiple of the series') as they stood at `now`, as an exchange answers fetchOHLCV. */
export function ohlcvAt(series: CandleSeries, timeframe: string, since: number | undefined, limit: number, now: number): OHLCV[] {
  const span = timeframeMs(timeframe);
  if (span % series.spanMs !== 0) throw new RangeError(`${timeframe} is not a multiple of the stored ${series.timeframe} candles`);
  if (limit <= 0 || lastVisible(series, now) < 0) return [];
  const whole = aggregated(series, span);
  // The candle of `timeframe` forming at `now`, from the base candles that had opened by then.
  const formingStart = Math.floor(now / span) * span;
  const forming = formingCandle(series, formingStart, now);
  // Whole candles: those that ended by now (whole.time + span <= now), i.e. that opened before formingStart.
  const end = firstAtOrAfter(whole, formingStart);
  let begin: number;
  if (since === undefined) begin = Math.max(0, end - (forming ? limit - 1 : limit));
  else begin = firstAtOrAfter(whole, Math.ceil(since / span) * span);
  const rows: OHLCV[] = [];
  for (let i = begin; i < end && rows.length < limit; i++) {
    rows.push([whole.time[i] ?? 0, whole.open[i] ?? 0, whole.high[i] ?? 0, whole.low[i] ?? 0, whole.close[i] ?? 0, whole.volume[i] ?? 0]);
  }
  if (forming && rows.length < limit && (since === undefined || forming[0] >= Math.ceil(since / span) * span)) rows.push(forming);
  return rows;
}

function formingCandle(series: CandleSeries, start: number, now: number): [number, number, number, number, number, number] | undefined {
  const top = lastVisible(series, now);
  let row: [number, number, number, number, number, number] | undefined;
  for (let i = firstAtOrAfter(series, start); i <= top; i++) {
    const open = series.open[i] ?? 0;
    const full = closedAt(series, i, now);
    const high = full ? (series.high[i] ?? 0) : open;
    const low = full ? (series.low[i] ?? 0) : open;
    const close = full ? (series.close[i] ?? 0) : open;
    const volume = full ? (series.volume[i] ?? 0) : 0;
    if (!row) row = [start, open, high, low, close, volume];
    else {
      row[2] = Math.max(row[2], high);
      row[3] = Math.min(row[3], low);
      row[4] = close;
      row[5] += volume;
    }
  }
  return row;
}

// Candles of a larger timeframe from the base candles, each group as if whole (only read for groups that ended):
// built once per series and timeframe, so a slot's fetchOHLCV reads rows instead of adding up thousands of them.
const aggregates = new WeakMap<CandleSeries, Map<number, CandleSeries>>();

function aggregated(series: CandleSeries, span: number): CandleSeries {
  if (span === series.spanMs) return series;
  let bySpan = aggregates.get(series);
  if (!bySpan) aggregates.set(series, (bySpan = new Map()));
  let out = bySpan.get(span);
  if (out) return out;
  const groups: number[][] = [];
  let row: number[] | undefined;
  for (let i = 0; i < series.length; i++) {
    const start = Math.floor((series.time[i] ?? 0) / span) * span;
    if (row && row[0] === start) {
      row[2] = Math.max(row[2]!, series.high[i] ?? 0);
      row[3] = Math.min(row[3]!, series.low[i] ?? 0);
      row[4] = series.close[i] ?? 0;
      row[5]! += series.volume[i] ?? 0;
    } else {
      row = [start, series.open[i] ?? 0, series.high[i] ?? 0, series.low[i] ?? 0, series.close[i] ?? 0, series.volume[i] ?? 0];
      groups.push(row);
    }
  }
  out = { timeframe: `${span}ms`, spanMs: span, length: groups.length, time: col(groups, 0), open: col(groups, 1), high: col(groups, 2), low: col(groups, 3), close: col(groups, 4), volume: col(groups, 5) };
  bySpan.set(span, out);
  return out;
}

const col = (rows: number[][], j: number) => Float64Array.from(rows, (r) => r[j] ?? 0);

/** The last traded price known at `now`: the forming candle's open, else the last close (undefined before the data). */
export function lastPriceAt(series: CandleSeries, now: number): number | undefined {
  const i = lastVisible(series, now);
  if (i < 0) return undefined;
  return closedAt(series, i, now) ? series.close[i] : series.open[i];
}

/** A ccxt ticker at `now`: last price, and the last 24 hours' open, high, low and volume. */
export function tickerAt(series: CandleSeries, symbol: string, now: number): Ticker | undefined {
  const last = lastPriceAt(series, now);
  if (last === undefined) return undefined;
  const top = lastVisible(series, now);
  // The last 24 hours: the candles opened since then, of which only the one forming at `now` is not yet whole.
  const since = firstAtOrAfter(series, now - 86_400_000);
  const { high, low, volume } = closedRange(series, since, closedAt(series, top, now) ? top : top - 1, last);
  const first = Math.min(top, since);
  const open = series.open[first] ?? last;
  return {
    symbol, timestamp: now, datetime: new Date(now).toISOString(), high, low, bid: last, bidVolume: undefined, ask: last, askVolume: undefined,
    vwap: undefined, open, close: last, last, previousClose: undefined, change: last - open, percentage: ((last - open) / open) * 100,
    average: (last + open) / 2, baseVolume: volume, quoteVolume: volume * last, markPrice: last, indexPrice: last, info: {},
  } as Ticker;
}

// A ticker spans a day: 1,440 one-minute candles, read at every order a backtest places (the risk guard's price and
// the fill's). Blocks of 64 candles hold their highest high, lowest low and summed volume, built once per series, so a
// day costs ~22 blocks and at most 126 candles at its ends instead of 1,440 candles.
const blockSize = 64;
const blocksOf = new WeakMap<CandleSeries, { high: Float64Array; low: Float64Array; volume: Float64Array }>();

function blocks(series: CandleSeries) {
  let found = blocksOf.get(series);
  if (found) return found;
  const count = Math.ceil(series.length / blockSize);
  found = { high: new Float64Array(count).fill(-Infinity), low: new Float64Array(count).fill(Infinity), volume: new Float64Array(count) };
  for (let i = 0; i < series.length; i++) {
    const b = (i / blockSize) | 0;
    found.high[b] = Math.max(found.high[b] ?? 0, series.high[i] ?? 0);
    found.low[b] = Math.min(found.low[b] ?? 0, series.low[i] ?? 0);
    found.volume[b]! += series.volume[i] ?? 0;
  }
  blocksOf.set(series, found);
  return found;
}

/** Highest high (at least `last`), lowest low (at most `last`) and total volume of the candles `from`..`to`. */
function closedRange(series: CandleSeries, from: number, to: number, last: number): { high: number; low: number; volume: number } {
  let high = last;
  let low = last;
  let volume = 0;
  const one = (i: number) => {
    high = Math.max(high, series.high[i] ?? 0);
    low = Math.min(low, series.low[i] ?? 0);
    volume += series.volume[i] ?? 0;
  };
  let i = from;
  for (; i <= to && i % blockSize !== 0; i++) one(i);
  if (i + blockSize - 1 <= to) {
    const b = blocks(series);
    for (; i + blockSize - 1 <= to; i += blockSize) {
      const k = i / blockSize;
      high = Math.max(high, b.high[k] ?? 0);
      low = Math.min(low, b.low[k] ?? 0);
      volume += b.volume[k] ?? 0;
    }
  }
  for (; i <= to; i++) one(i);
  return { high, low, volume };
}

/** Lowest and highest price of the base candles from the one holding `since` to `until` (the forming one: its open). */
export function priceRangeAt(series: CandleSeries, since: number, until: number): { low: number; high: number; last: number } | undefined {
  const last = lastPriceAt(series, until);
  if (last === undefined) return undefined;
  let low = last;
  let high = last;
  const top = lastVisible(series, until);
  for (let i = Math.max(0, firstAtOrAfter(series, Math.floor(since / series.spanMs) * series.spanMs)); i <= top; i++) {
    const whole = closedAt(series, i, until);
    low = Math.min(low, whole ? (series.low[i] ?? 0) : (series.open[i] ?? 0));
    high = Math.max(high, whole ? (series.high[i] ?? 0) : (series.open[i] ?? 0));
  }
  return { low, high, last };
}

/**
 * The times at which resting orders are checked between `since` and `until`: each base candle's close, then `until`.
 * One candle at a time, so an order that one candle fills is filled before a later candle's price is looked at.
 */
export function settleStepsOf(series: CandleSeries, since: number, until: number): number[] {
  const steps: number[] = [];
  for (let i = Math.max(0, firstAtOrAfter(series, since - series.spanMs)); i < series.length; i++) {
    const close = (series.time[i] ?? 0) + series.spanMs;
    if (close >= until) break;
    if (close > since) steps.push(close);
  }
  steps.push(until);
  return steps;
}
