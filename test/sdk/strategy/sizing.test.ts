import { describe, expect, it } from 'vitest';
import { amountToStep, floorToStep, priceToTick } from '../../../src/sdk/strategy/precision.js';
import { positionSize } from '../../../src/sdk/strategy/sizing.js';

// As ccxt loads Binance USDⓈ-M BTC/USDT:USDT: amount step 0.001, tick 0.1, min amount 0.001, min notional 100.
const btcPerp = { precision: { amount: 0.001, price: 0.1 }, limits: { amount: { min: 0.001, max: 1000 }, cost: { min: 100 } }, contractSize: 1 };

describe('positionSize', () => {
  it('risks exactly risk_per_trade of equity at the stop, truncated to the amount step', () => {
    // 1% of 10000 = 100 USDT at risk; stop 1200 below 60000 → 0.08333… BTC → 0.083.
    const size = positionSize({ equity: 10_000, riskPct: 1, entry: 60_000, stop: 58_800, market: btcPerp, maxPositionPct: 100, leverage: 3 });
    expect(size).toEqual({ ok: true, amount: 0.083, notional: 4980, risk: 99.6, capped: false });
  });

  it('caps the notional at max_position_size percent of equity', () => {
    const size = positionSize({ equity: 10_000, riskPct: 1, entry: 60_000, stop: 58_800, market: btcPerp, maxPositionPct: 10 });
    // 10% of 10000 = 1000 USDT → 0.01666… → 0.016 BTC.
    expect(size).toMatchObject({ ok: true, amount: 0.016, capped: true });
  });

  it('caps the notional at equity × leverage', () => {
    // A 0.1% stop at 2% risk would want 200000 USDT of BTC; 2x leverage on 10000 allows 20000 → 0.333 BTC.
    const size = positionSize({ equity: 10_000, riskPct: 2, entry: 60_000, stop: 59_940, market: btcPerp, leverage: 2 });
    expect(size).toMatchObject({ ok: true, amount: 0.333, capped: true });
  });

  it('takes no trade below the minimum notional, or raises to it when allowed and within the cap', () => {
    // 1% of 500 = 5 USDT at risk over a 1200 stop → 0.004 BTC = 240 USDT: fine. At equity 100: 0.0008 → 0.
    expect(positionSize({ equity: 500, riskPct: 1, entry: 60_000, stop: 58_800, market: btcPerp, leverage: 3 })).toMatchObject({ ok: true, amount: 0.004 });
    const skipped = positionSize({ equity: 100, riskPct: 1, entry: 60_000, stop: 58_800, market: btcPerp, leverage: 3 });
    expect(skipped.ok).toBe(false);
    if (!skipped.ok) expect(skipped.reason).toContain('below the market minimum');
    // Smallest accepted: max(0.001, ceil(100 USDT / 60000 = 0.00167) → 0.002) = 0.002 BTC = 120 USDT ≤ 100 × 3.
    expect(positionSize({ equity: 100, riskPct: 1, entry: 60_000, stop: 58_800, market: btcPerp, leverage: 3, belowMinimum: 'raise' }))
      .toMatchObject({ ok: true, amount: 0.002, notional: 120 });
    expect(positionSize({ equity: 100, riskPct: 1, entry: 60_000, stop: 58_800, market: btcPerp, leverage: 1, belowMinimum: 'raise' }).ok).toBe(false);
  });

  it('refuses a stop at the entry', () => {
    expect(positionSize({ equity: 1000, riskPct: 1, entry: 100, stop: 100, market: btcPerp }).ok).toBe(false);
  });

  it('accounts for the contract size of inverse-style contracts', () => {
    const contracts = { ...btcPerp, precision: { amount: 1, price: 0.1 }, limits: { amount: { min: 1 }, cost: {} }, contractSize: 0.01 };
    // 100 USDT risk / (1200 × 0.01 per contract) = 8.33 → 8 contracts.
    expect(positionSize({ equity: 10_000, riskPct: 1, entry: 60_000, stop: 58_800, market: contracts })).toMatchObject({ ok: true, amount: 8 });
  });
});

describe('rounding to the market', () => {
  it('truncates amounts and rounds prices to the tick without float noise', () => {
    expect(amountToStep(btcPerp, 0.0129)).toBe(0.012);
    expect(floorToStep(0.3, 0.1)).toBe(0.3);
    expect(floorToStep(1.0000000001, 0.00001)).toBe(1);
    expect(priceToTick(btcPerp, 61234.567, 'down')).toBe(61234.5);
    expect(priceToTick(btcPerp, 61234.51, 'up')).toBe(61234.6);
    expect(priceToTick(btcPerp, 61234.56)).toBe(61234.6);
  });
});
