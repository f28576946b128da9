import { describe, expect, it } from 'vitest';
import { crossoverAction, smaCrossover } from '../../../src/sdk/strategy/crossover.js';

describe('smaCrossover', () => {
  // SMA3 vs SMA5: before the last close 9 < 9.2 (below); on it 11 > 10 (above): an upward cross.
  const upward = [10, 10, 10, 10, 9, 8, 7, 12, 14];

  it('sees an upward cross on the close where fast rises through slow, and buys when flat', () => {
    const x = smaCrossover(upward, 3, 5);
    expect(x).toMatchObject({ cross: 'up', position: 'above', fast: 11, slow: 10, prevFast: 9, prevSlow: 9.2 });
    expect(crossoverAction(x, false)).toBe('buy');
    expect(crossoverAction(x, true)).toBe('hold');
  });

  it('does not signal before the cross, nor after it while fast stays above', () => {
    expect(smaCrossover(upward.slice(0, -1), 3, 5).cross).toBeNull();
    const later = smaCrossover([...upward, 15], 3, 5);
    expect(later).toMatchObject({ cross: null, position: 'above' });
    expect(crossoverAction(later, false)).toBe('hold');
  });

  it('sees a downward cross and sells only what it holds', () => {
    const downward = upward.map((c) => 20 - c);
    const x = smaCrossover(downward, 3, 5);
    expect(x.cross).toBe('down');
    expect(crossoverAction(x, true)).toBe('sell');
    expect(crossoverAction(x, false)).toBe('hold');
  });

  it('needs slow + 1 closes', () => {
    expect(smaCrossover([1, 2, 3, 4, 5], 3, 5)).toMatchObject({ cross: null, prevSlow: null, slow: 3 });
    expect(() => smaCrossover(upward, 5, 3)).toThrow('shorter');
  });
});
