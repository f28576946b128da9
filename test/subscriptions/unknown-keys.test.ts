import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { droppedKeys } from '../../src/subscriptions/unknown-keys.js';

// The parsed side comes from a real zod schema, as the sandboxed child produces it.
const schema = z.object({
  leverage: z.number().default(3),
  capital_management: z.object({ risk_per_trade: z.number().default(1) }).default({ risk_per_trade: 1 }),
  rules: z.array(z.object({ when: z.string() })).default([]),
  weights: z.record(z.string(), z.number()).default({}),
});

function dropped(input: Record<string, unknown>) {
  return droppedKeys(input, schema.parse(input));
}

describe('droppedKeys', () => {
  it('names a misspelt top-level key and its value', () => {
    expect(dropped({ levrage: 5 })).toEqual([{ path: 'config.levrage', value: 5 }]);
  });

  it('finds keys dropped inside nested objects and arrays', () => {
    expect(dropped({ capital_management: { risk_per_trad: 2 }, rules: [{ when: 'x' }, { when: 'y', wen: 1 }] })).toEqual([
      { path: 'config.capital_management.risk_per_trad', value: 2 },
      { path: 'config.rules[1].wen', value: 1 },
    ]);
  });

  it('accepts every key the schema keeps, including free-form records', () => {
    expect(dropped({ leverage: 2, capital_management: { risk_per_trade: 2 }, weights: { anything: 1 } })).toEqual([]);
  });
});
