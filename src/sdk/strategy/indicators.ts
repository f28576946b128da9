// Named indicator values ('rsi_14', 'ema_50', 'close', …) over candles, for declarative rules and signals.
import { ATR, BollingerBands, EMA, ROC, RSI, SMA, WMA } from 'trading-signals';
import type { Candle } from './candles.js';

/** close|open|high|low|volume, or <sma|ema|wma|rsi|atr|roc>_<period>, or bb_<upper|middle|lower>_<period>. */
export const indicatorKeyPattern = /^(close|open|high|low|volume|(sma|ema|wma|rsi|atr|roc)_[1-9]\d{0,3}|bb_(upper|middle|lower)_[1-9]\d{0,3})$/;

export interface IndicatorValues {
  /** On the last candle; null while an indicator has too little data. */
  current: Record<string, number | null>;
  /** On the candle before it: what `crosses_above` / `crosses_below` compare against. */
  previous: Record<string, number | null>;
}

type Series = (candles: readonly Candle[]) => (number | null)[];

function seriesFor(key: string): Series {
  if (!indicatorKeyPattern.test(key)) {
    throw new Error(
      `Unknown indicator ${JSON.stringify(key)}: expected close, open, high, low, volume, sma_N, ema_N, wma_N, rsi_N, atr_N, roc_N or bb_upper|middle|lower_N.`,
    );
  }
  if (key === 'close' || key === 'open' || key === 'high' || key === 'low' || key === 'volume') return (cs) => cs.map((c) => c[key]);
  const parts = key.split('_');
  const period = Number(parts.at(-1));
  const stable = <T>(indicator: { add(input: T): unknown; isStable: boolean; getResult(): unknown }, input: T): number | null => {
    indicator.add(input);
    return indicator.isStable ? (indicator.getResult() as number) : null;
  };
  switch (parts[0]) {
    case 'sma': return (cs) => { const i = new SMA(period); return cs.map((c) => stable(i, c.close)); };
    case 'ema': return (cs) => { const i = new EMA(period); return cs.map((c) => stable(i, c.close)); };
    case 'wma': return (cs) => { const i = new WMA(period); return cs.map((c) => stable(i, c.close)); };
    case 'rsi': return (cs) => { const i = new RSI(period); return cs.map((c) => stable(i, c.close)); };
    case 'roc': return (cs) => { const i = new ROC(period); return cs.map((c) => { const v = stable(i, c.close); return v === null ? null : v * 100; }); };
    case 'atr': return (cs) => { const i = new ATR(period); return cs.map((c) => stable(i, { high: c.high, low: c.low, close: c.close })); };
    default: {
      const band = parts[1] as 'upper' | 'middle' | 'lower';
      return (cs) => {
        const bb = new BollingerBands(period, 2);
        return cs.map((c) => {
          bb.add(c.close);
          return bb.isStable ? (bb.getResult()?.[band] ?? null) : null;
        });
      };
    }
  }
}

export function computeIndicators(candles: readonly Candle[], keys: Iterable<string>): IndicatorValues {
  const current: Record<string, number | null> = {};
  const previous: Record<string, number | null> = {};
  for (const key of new Set(keys)) {
    const series = seriesFor(key)(candles);
    current[key] = series.at(-1) ?? null;
    previous[key] = series.at(-2) ?? null;
  }
  return { current, previous };
}

/** Candles needed before every key yields a value (longest period, with headroom for EMA/RSI warm-up). */
export function candlesNeeded(keys: Iterable<string>): number {
  let longest = 2;
  for (const key of keys) {
    const period = Number(key.split('_').at(-1));
    if (Number.isFinite(period)) longest = Math.max(longest, key.startsWith('ema') || key.startsWith('rsi') || key.startsWith('atr') ? period * 3 : period + 2);
  }
  return longest;
}
