// What a series looked like at a moment: nothing that happened after it, checked against a plain definition on real
// candles (gaps included), at many moments, with and without `since` and `limit`.
import { describe, expect, it } from 'vitest';
import { seriesFromRows, type CandleRow } from '../../src/market-data/candle-series.js';
import { lastPriceAt, ohlcvAt, priceRangeAt, settleStepsOf, tickerAt } from '../../src/market-data/candle-view.js';
import { haveRealCandles, realCandles } from '../support/real-candles.js';

// The definition: base candles that opened by `now`; the one still forming shows only its open; grouped by timeframe.
function reference(rows: CandleRow[], base: number, span: number, since: number | undefined, limit: number, now: number): number[][] {
  const seen = rows.filter(([t]) => t <= now).map(([t, o, h, l, c, v]) => (t + base <= now ? [t, o, h, l, c, v] : [t, o, o, o, o, 0]));
  const groups = new Map<number, number[][]>();
  for (const r of seen) {
    const g = Math.floor(r[0]! / span) * span;
    groups.set(g, [...(groups.get(g) ?? []), r]);
  }
  let candles = [...groups.entries()].map(([g, rs]) => [g, rs[0]![1]!, Math.max(...rs.map((r) => r[2]!)), Math.min(...rs.map((r) => r[3]!)), rs.at(-1)![4]!, rs.reduce((s, r) => s + r[5]!, 0)]);
  if (since !== undefined) candles = candles.filter(([g]) => g! >= Math.ceil(since / span) * span).slice(0, limit);
  else candles = candles.slice(-limit);
  return candles;
}

describe.skipIf(!haveRealCandles)('candles as they stood at a moment (real ETH/USDT 1h with exchange gaps)', () => {
  const real = haveRealCandles ? realCandles('octobot-1h', 'binance-ETHUSDT-1h.json') : undefined!;
  const rows = haveRealCandles ? (real.rows as CandleRow[]) : [];
  const series = seriesFromRows('1h', rows);
  const hour = 3_600_000;
  const first = rows[0]?.[0] ?? 0;
  const last = rows.at(-1)?.[0] ?? 0;
  // Deterministic moments: on and between candle boundaries, inside the gaps too.
  const moments = Array.from({ length: 200 }, (_, i) => first + Math.floor(((last - first + 2 * hour) * ((i * 7919) % 200)) / 200) + (i % 3) * 20 * 60_000);

  it('serves every timeframe as the definition says, and never a candle from after now', () => {
    for (const [i, now] of moments.entries()) {
      for (const tf of [['1h', hour], ['4h', 4 * hour], ['1d', 24 * hour]] as const) {
        const limit = 1 + (i % 40);
        const since = i % 2 ? now - ((i % 50) + 1) * tf[1] : undefined;
        const got = ohlcvAt(series, tf[0], since, limit, now);
        expect(got).toEqual(reference(rows, hour, tf[1], since, limit, now));
        for (const c of got) expect(Number(c[0])).toBeLessThanOrEqual(now);
      }
    }
  });

  it('gives nothing for a since after now, and a limit reaching past now ends at now', () => {
    const now = rows[100]![0] + 30 * 60_000;
    expect(ohlcvAt(series, '1h', now + hour, 10, now)).toEqual([]);
    const reaching = ohlcvAt(series, '1h', now - 2 * hour, 1000, now);
    expect(reaching.map((c) => c[0])).toEqual([rows[99]![0], rows[100]![0]]);
    // The forming candle as it stood: its open, nothing of its later high, low or close.
    expect(reaching.at(-1)).toEqual([rows[100]![0], rows[100]![1], rows[100]![1], rows[100]![1], rows[100]![1], 0]);
    expect(tickerAt(series, 'ETH/USDT', now)?.last).toBe(rows[100]![1]);
    expect(lastPriceAt(series, rows[101]![0])).toBe(rows[101]![1]);
    expect(lastPriceAt(series, first - 1)).toBeUndefined();
  });

  it('ranges and settle steps stop at now', () => {
    const now = rows[50]![0];
    const range = priceRangeAt(series, rows[40]![0], now)!;
    expect(range.high).toBe(Math.max(...rows.slice(40, 50).map((r) => r[2]), rows[50]![1]));
    expect(range.low).toBe(Math.min(...rows.slice(40, 50).map((r) => r[3]), rows[50]![1]));
    expect(settleStepsOf(series, rows[40]![0], now)).toEqual(rows.slice(41, 51).map((r) => r[0]));
  });
});
