import { describe, expect, it } from 'vitest';
import { validateRiskConfig } from '../../src/subscriptions/risk-config.js';
import { expectBotctlError } from '../support/expect-error.js';

describe('validateRiskConfig', () => {
  it('applies the defaults', () => {
    expect(validateRiskConfig(undefined)).toEqual({ max_leverage: 5, max_orders_per_run: 10 });
    expect(validateRiskConfig({ max_leverage: 2, max_order_notional: 500 })).toEqual({ max_leverage: 2, max_orders_per_run: 10, max_order_notional: 500 });
  });

  it('names the failing path, what was expected and what arrived', async () => {
    await expectBotctlError(() => validateRiskConfig({ max_leverage: 'high' }), {
      message: '`--risk` does not match the risk limits schema:\n  risk.max_leverage: expected number, got "high"',
    });
    await expectBotctlError(() => validateRiskConfig({ max_position_size_pct: 150 }), { message: 'risk.max_position_size_pct: expected number at most 100, got 150' });
    await expectBotctlError(() => validateRiskConfig({ max_levrage: 3 }), { message: 'no such key' });
    await expectBotctlError(() => validateRiskConfig([1]), { message: 'risk: expected object' });
  });
});
