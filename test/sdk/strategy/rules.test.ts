import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { candlesNeeded, computeIndicators } from '../../../src/sdk/strategy/indicators.js';
import { evaluateRules, ruleIndicatorKeys, ruleSchema } from '../../../src/sdk/strategy/rules.js';
import { candlesFrom } from './synthetic.js';

const playbook = z.array(ruleSchema).parse([
  { name: 'take-profit-on-strength', position: 'long', when: { left: 'rsi_3', op: '>', right: 85 }, action: 'close' },
  { name: 'buy-the-breakout', position: 'flat', when: { all: [{ left: 'close', op: 'crosses_above', right: 'sma_3' }, { left: 'close', op: '>', right: 100 }] }, action: 'open_long', size_pct: 20 },
  { name: 'note-weakness', when: { any: [{ left: 'close', op: '<', right: 50 }, { left: 'roc_2', op: '<=', right: -5 }] }, action: 'signal' },
]);

describe('evaluateRules', () => {
  it('collects the indicator keys the rules read', () => {
    expect(ruleIndicatorKeys(playbook).sort()).toEqual(['close', 'roc_2', 'rsi_3', 'sma_3']);
    expect(candlesNeeded(['sma_50', 'rsi_14'])).toBe(52);
  });

  it('opens on the candle where the close crosses above its SMA while flat', () => {
    // SMA3 of [100,100,99] = 99.67 with close 99 below; then 104: SMA3 = 101, close above → crosses.
    const values = computeIndicators(candlesFrom([100, 100, 100, 99, 104]), ruleIndicatorKeys(playbook));
    expect(values.current['sma_3']).toBe(101);
    const decision = evaluateRules(playbook, values, 'flat');
    expect(decision.rule).toMatchObject({ name: 'buy-the-breakout', action: 'open_long', size_pct: 20, stop_loss_pct: 2 });
    expect(decision.trace[0]).toMatchObject({ name: 'take-profit-on-strength', matched: false, detail: 'needs position long, have flat' });
    // The same candle with a long open: the flat-only rule is skipped, RSI(3) after the jump is 88.2 > 85 → close.
    expect(evaluateRules(playbook, values, 'long').rule?.name).toBe('take-profit-on-strength');
  });

  it('matches any-of conditions and reports missing data as not holding', () => {
    const falling = computeIndicators(candlesFrom([100, 98, 90]), ruleIndicatorKeys(playbook));
    expect(falling.current['roc_2']).toBeCloseTo(-10, 6);
    expect(evaluateRules(playbook, falling, 'flat').rule?.name).toBe('note-weakness');
    const tooShort = computeIndicators(candlesFrom([100]), ruleIndicatorKeys(playbook));
    const decision = evaluateRules(playbook, tooShort, 'flat');
    expect(decision.rule).toBeNull();
    expect(decision.trace[1]?.detail).toContain('not enough data');
  });

  it('rejects unknown indicators and actions in config', () => {
    expect(ruleSchema.safeParse({ name: 'x', when: { left: 'macd_3', op: '>', right: 1 }, action: 'close' }).success).toBe(false);
    expect(ruleSchema.safeParse({ name: 'x', when: { left: 'rsi_3', op: '>', right: 1 }, action: 'buy_everything' }).success).toBe(false);
    expect(() => computeIndicators([], ['foo'])).toThrow('Unknown indicator "foo"');
  });
});
