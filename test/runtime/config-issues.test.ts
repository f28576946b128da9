import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { configIssues } from '../../src/runtime/config-issues.js';

const schema = z
  .object({
    fast: z.number().int().min(2).default(9),
    slow: z.number().int().default(21),
    mode: z.enum(['long', 'short']).default('long'),
    capital_management: z.object({ risk_per_trade: z.number().max(100) }).optional(),
  })
  .strict()
  .refine((c) => c.fast < c.slow, { message: 'fast must be shorter than slow', path: ['fast'] });

const issuesFor = (input: unknown) => {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error('expected a failure');
  return configIssues(parsed.error.issues, input);
};

// Every line names the field path, what was expected and what arrived.
describe('configIssues', () => {
  it('names path, expectation and value', () => {
    expect(issuesFor({ fast: 'x' })).toEqual(['  config.fast: expected number, got "x"']);
    expect(issuesFor({ fast: 1 })).toEqual(['  config.fast: expected number at least 2, got 1']);
    expect(issuesFor({ mode: 'sideways' })).toEqual(['  config.mode: expected one of "long", "short", got "sideways"']);
    expect(issuesFor({ capital_management: { risk_per_trade: 250 } })).toEqual([
      '  config.capital_management.risk_per_trade: expected number at most 100, got 250',
    ]);
    expect(issuesFor({ fats: 3 })[0]).toMatch(/^ {2}config: expected no such key \(.*fats.*\), got \{"fats":3\}$/);
  });

  it("prints a refinement's own message as written", () => {
    expect(issuesFor({ fast: 30 })).toEqual(['  config.fast: fast must be shorter than slow, got 30']);
  });
});
