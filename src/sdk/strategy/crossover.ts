// Moving-average crossover on closing prices, with trading-signals' SMA.
import { SMA } from 'trading-signals';

export interface Crossover {
  /** 'up': fast crossed above slow on the last close; 'down': below; null: no cross (or not enough data). */
  cross: 'up' | 'down' | null;
  /** Where fast stands against slow on the last close. */
  position: 'above' | 'below' | 'equal' | null;
  fast: number | null;
  slow: number | null;
  prevFast: number | null;
  prevSlow: number | null;
}

export function movingAverages(closes: readonly number[], period: number): (number | null)[] {
  const sma = new SMA(period);
  return closes.map((close) => sma.add(close));
}

// The SMA of `period` closes ending at `end`, null before there are that many: the very sum trading-signals' SMA
// makes (getAverage: left to right over the window, from 0, then divided by the count), for the only two closes a
// crossover reads, instead of an SMA object fed every close (a backtest decides at every slot).
function averageTo(closes: readonly number[], period: number, end: number): number | null {
  if (end + 1 < period || end < 0) return null;
  let sum = 0;
  for (let i = end + 1 - period; i <= end; i++) sum += closes[i]!;
  return sum / period;
}

/** Needs slow + 1 closes to see a cross. */
export function smaCrossover(closes: readonly number[], fast: number, slow: number): Crossover {
  if (fast >= slow) throw new Error(`Expected the fast period (${fast}) to be shorter than the slow period (${slow}).`);
  const n = closes.length;
  const fastNow = averageTo(closes, fast, n - 1);
  const slowNow = averageTo(closes, slow, n - 1);
  const prevFast = averageTo(closes, fast, n - 2);
  const prevSlow = averageTo(closes, slow, n - 2);
  const position = fastNow === null || slowNow === null ? null : fastNow > slowNow ? 'above' : fastNow < slowNow ? 'below' : 'equal';
  let cross: Crossover['cross'] = null;
  if (fastNow !== null && slowNow !== null && prevFast !== null && prevSlow !== null) {
    if (prevFast <= prevSlow && fastNow > slowNow) cross = 'up';
    else if (prevFast >= prevSlow && fastNow < slowNow) cross = 'down';
  }
  return { cross, position, fast: fastNow, slow: slowNow, prevFast, prevSlow };
}

export type SpotAction = 'buy' | 'sell' | 'hold';

/** Long-or-flat: buy on an upward cross while flat, sell on a downward cross while long. */
export function crossoverAction(crossover: Crossover, holding: boolean): SpotAction {
  if (crossover.cross === 'up' && !holding) return 'buy';
  if (crossover.cross === 'down' && holding) return 'sell';
  return 'hold';
}
