import { describe, expect, it } from 'vitest';
import { atrStop, confirmDirection, takeProfitAt, trendSignal } from '../../../src/sdk/strategy/trend.js';
import { futuresDecision } from '../../../src/sdk/strategy/futures.js';
import { candlesFrom, zigzag } from './synthetic.js';

const options = { emaFast: 5, emaSlow: 20, rsiPeriod: 14, atrPeriod: 14 };

describe('trendSignal', () => {
  it('goes long in an uptrend whose RSI shows momentum without being overbought', () => {
    // +2/-1 steps: EMA5 above EMA20, close above EMA5 after an up step, RSI → 2/(2+1) = 66.7.
    const s = trendSignal(candlesFrom(zigzag(100, 2, 1, 81)), options);
    expect(s.direction).toBe('long');
    expect(s.trend).toBe('up');
    expect(s.rsi).toBeGreaterThan(60);
    expect(s.rsi).toBeLessThan(70);
    // True range alternates 2.5 (up step) and 1.5 (down step): ATR ≈ 2.
    expect(s.atr).toBeCloseTo(2, 0);
  });

  it('goes short in the mirrored downtrend', () => {
    const s = trendSignal(candlesFrom(zigzag(300, -2, -1, 81)), options);
    expect(s.direction).toBe('short');
    expect(s.rsi).toBeGreaterThan(30);
    expect(s.rsi).toBeLessThan(40);
  });

  it('stays out when RSI is overbought (a straight line up) or data is short', () => {
    const straight = trendSignal(candlesFrom(Array.from({ length: 80 }, (_, i) => 100 + i)), options);
    expect(straight.trend).toBe('up');
    expect(straight.rsi).toBe(100);
    expect(straight.direction).toBeNull();
    expect(trendSignal(candlesFrom([1, 2, 3]), options)).toMatchObject({ direction: null, reason: expect.stringContaining('not enough candles') });
  });
});

describe('multi-timeframe confirmation and exits', () => {
  const long = trendSignal(candlesFrom(zigzag(100, 2, 1, 81)), options);
  const short = trendSignal(candlesFrom(zigzag(300, -2, -1, 81)), options);

  it('keeps the entry direction only when every higher timeframe trends the same way', () => {
    expect(confirmDirection([long])).toBe('long');
    expect(confirmDirection([long, long])).toBe('long');
    expect(confirmDirection([long, short])).toBeNull();
    expect(confirmDirection([short, short])).toBe('short');
  });

  it('puts the stop multiplier ATRs away and the take-profit at reward:risk', () => {
    expect(atrStop('long', 100, 2, 2)).toBe(96);
    expect(atrStop('short', 100, 2, 1.5)).toBe(103);
    expect(takeProfitAt('long', 100, 96, 2)).toBe(108);
    expect(takeProfitAt('short', 100, 103, 2)).toBe(94);
  });

  it('decides open, close on reversal or hold from direction and position', () => {
    const opts = { allowShort: true, closeOnReversal: true };
    expect(futuresDecision('long', null, opts)).toBe('open_long');
    expect(futuresDecision('short', null, opts)).toBe('open_short');
    expect(futuresDecision('short', null, { ...opts, allowShort: false })).toBe('hold');
    expect(futuresDecision('short', 'long', opts)).toBe('close');
    expect(futuresDecision('short', 'long', { ...opts, closeOnReversal: false })).toBe('hold');
    expect(futuresDecision('long', 'long', opts)).toBe('hold');
    expect(futuresDecision(null, 'long', opts)).toBe('hold');
  });
});
