import { describe, expect, it } from 'vitest';
import { clientOrderId } from '../../src/broker/client-order-id.js';
import { RiskRejected, checkLeverage, checkOrder, checkSymbol, riskLimits, valuationPrice, type OrderFacts, type RiskLimits } from '../../src/broker/risk-guard.js';

const limits: RiskLimits = { pair: 'BTC/USDT:USDT', maxLeverage: 5, maxOrdersPerRun: 3, maxPositionPct: 50, maxOrderNotional: undefined };
const flat = { position: 0, restingBuys: 0, restingSells: 0 };
const holding = (position: number, resting: { buys?: number; sells?: number } = {}) => async () => ({ position, restingBuys: resting.buys ?? 0, restingSells: resting.sells ?? 0 });
const order = (over: Partial<OrderFacts> = {}): OrderFacts => ({
  symbol: 'BTC/USDT:USDT', type: 'market', side: 'buy', amount: 0.05, price: undefined, trigger: undefined, reduceOnly: false, params: {}, marketPrice: 60_000, contractSize: 1,
  counted: 0, equity: async () => 10_000, holding: async () => flat, ...over,
});

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(RiskRejected);
    expect((error as Error).name).toBe('RiskRejected');
    return (error as Error).message;
  }
  throw new Error('expected RiskRejected');
}

describe('riskLimits', () => {
  it('reads risk_config with its defaults and the tighter of the two position caps', () => {
    expect(riskLimits('BTC/USDT', '{}', '{}')).toEqual({ pair: 'BTC/USDT', maxLeverage: 5, maxOrdersPerRun: 10, maxPositionPct: undefined, maxOrderNotional: undefined });
    expect(riskLimits('BTC/USDT', '{"max_position_size_pct": 30, "max_order_notional": 500}', '{"capital_management": {"max_position_size": 40}}'))
      .toMatchObject({ maxPositionPct: 30, maxOrderNotional: 500 });
    expect(riskLimits('BTC/USDT', '{}', '{"capital_management": {"max_position_size": 40}}').maxPositionPct).toBe(40);
  });
});

describe('risk guard', () => {
  it('allows an order within every limit and reports its notional', async () => {
    await expect(checkOrder(limits, order())).resolves.toEqual({ notional: 3000 });
  });

  it('refuses another symbol, too much leverage and a non-number leverage', async () => {
    expect(() => checkSymbol(limits, 'setLeverage', 'ETH/USDT:USDT')).toThrow('setLeverage on ETH/USDT:USDT refused: this subscription trades BTC/USDT:USDT only.');
    expect(() => checkLeverage(limits, 6)).toThrow('leverage 6 refused: risk_config.max_leverage is 5.');
    expect(() => checkLeverage(limits, '5')).toThrow(RiskRejected);
    expect(await refusal(checkOrder(limits, order({ params: { leverage: 20 } })))).toBe('leverage 20 refused: risk_config.max_leverage is 5.');
  });

  it('caps the notional at max_position_size percent of equity, valued at the market price or a higher price the order names', async () => {
    expect(await refusal(checkOrder(limits, order({ amount: 0.1 })))).toBe('order notional 6000.00 refused: max_position_size is 50% of equity 10000.00 = 5000.00.');
    // A limit below the market, or a sell limit of 0.01 that the market fills at 60000: valued at the market.
    expect(await refusal(checkOrder(limits, order({ amount: 0.1, type: 'limit', price: 50_000 })))).toContain('6000.00');
    expect(await refusal(checkOrder(limits, order({ amount: 0.1, side: 'sell', type: 'limit', price: 0.01 })))).toContain('6000.00');
    // A limit or trigger above the market: valued at it.
    expect(await refusal(checkOrder(limits, order({ amount: 0.08, type: 'limit', price: 70_000 })))).toContain('5600.00');
    expect(await refusal(checkOrder(limits, order({ amount: 0.1, trigger: 70_000 })))).toContain('7000.00');
    expect(valuationPrice({ marketPrice: 60_000, price: 0.01, trigger: undefined })).toBe(60_000);
    expect(await refusal(checkOrder({ ...limits, maxOrderNotional: 1000 }, order()))).toBe('order notional 3000.00 refused: risk_config.max_order_notional is 1000.');
  });

  it('caps the position an order leads to, not the order alone: orders that each fit do not add up past the cap', async () => {
    // Long 0.05 (3000 at 60000): another 0.05 would make it 6000, over the 5000 cap; another 0.03 fits.
    expect(await refusal(checkOrder(limits, order({ holding: holding(0.05) })))).toBe(
      'order notional 3000.00 refused: it would take the BTC/USDT:USDT position from 3000.00 to 6000.00, and max_position_size is 50% of equity 10000.00 = 5000.00.',
    );
    await expect(checkOrder(limits, order({ amount: 0.03, holding: holding(0.05) }))).resolves.toMatchObject({ notional: 1800 });
    // Shrinking a position is never refused by the cap, even one already over it (equity fell); nor flipping within it.
    await expect(checkOrder(limits, order({ side: 'sell', amount: 0.1, holding: holding(0.15) }))).resolves.toMatchObject({ notional: 6000 });
    await expect(checkOrder(limits, order({ side: 'sell', amount: 0.12, holding: holding(0.05) }))).resolves.toMatchObject({ notional: 7200 });
    // A short counts as much as a long: selling more of it is adding.
    expect(await refusal(checkOrder(limits, order({ side: 'sell', holding: holding(-0.07) })))).toContain('from 4200.00 to 7200.00');
    // Flipping past the cap the other way is refused.
    expect(await refusal(checkOrder(limits, order({ side: 'sell', amount: 0.2, holding: holding(0.05) })))).toContain('from 3000.00 to 9000.00');
  });

  it('counts resting orders on the same side as filled: limit entries that each fit do not add up past the cap either', async () => {
    // Flat, with 0.06 resting to buy (3600): another 0.03 would make 5400.
    expect(await refusal(checkOrder(limits, order({ amount: 0.03, holding: holding(0, { buys: 0.06 }) })))).toBe(
      'order notional 1800.00 refused: it would take the BTC/USDT:USDT position from 3600.00 to 5400.00 (resting orders counted as filled), and max_position_size is 50% of equity 10000.00 = 5000.00.',
    );
    // Resting sells do not make room for more buying, nor resting buys for more selling beyond the cap.
    expect(await refusal(checkOrder(limits, order({ amount: 0.04, holding: holding(0.05, { sells: 0.05 }) })))).toContain('from 3000.00 to 5400.00');
    await expect(checkOrder(limits, order({ side: 'sell', amount: 0.03, holding: holding(0, { buys: 0.06 }) }))).resolves.toMatchObject({ notional: 1800 });
  });

  it('lets reduce-only orders past the size caps only when they reduce the position, read afresh', async () => {
    await expect(checkOrder(limits, order({ amount: 1, side: 'sell', reduceOnly: true, trigger: 55_000, holding: holding(1) }))).resolves.toMatchObject({ notional: 60_000 });
    expect(await refusal(checkOrder(limits, order({ amount: 1, side: 'sell', reduceOnly: true })))).toBe(
      'reduce-only sell refused: there is no long BTC/USDT:USDT position to reduce (position 0).',
    );
    // The same side as the position adds to it; more than the position would flip it.
    expect(await refusal(checkOrder(limits, order({ side: 'buy', reduceOnly: true, holding: holding(1) })))).toContain('there is no short BTC/USDT:USDT position');
    expect(await refusal(checkOrder(limits, order({ amount: 2, side: 'sell', reduceOnly: true, holding: holding(1) })))).toBe(
      'reduce-only sell of 2 refused: the BTC/USDT:USDT position is 1.',
    );
  });

  it('counts every order against max_orders_per_run, a reduce-only close included', async () => {
    expect(await refusal(checkOrder(limits, order({ side: 'sell', counted: 3, reduceOnly: true, holding: holding(1) }))))
      .toBe('order refused: this run already placed 3 orders, risk_config.max_orders_per_run is 3.');
  });

  it('refuses nonsense sides and amounts', async () => {
    expect(await refusal(checkOrder(limits, order({ side: 'long' as 'buy' })))).toBe('order side must be buy or sell, got long.');
    expect(await refusal(checkOrder(limits, order({ amount: -1 })))).toBe('order amount must be a finite number above 0, got -1.');
    expect(await refusal(checkOrder(limits, order({ amount: Number.NaN })))).toBe('order amount must be a finite number above 0, got NaN.');
    expect(await refusal(checkOrder(limits, order({ marketPrice: Number.NaN })))).toBe('order refused: no market price for BTC/USDT:USDT (the exchange answered NaN).');
  });
});

describe('clientOrderId', () => {
  const base = { subscriptionId: 7, runId: 42, intent: 'entry' };

  it('is deterministic per (subscription, run, intent) and fits every major exchange', () => {
    const id = clientOrderId(base);
    expect(id).toBe(clientOrderId({ ...base }));
    expect(id).toMatch(/^bc[a-z0-9]{30}$/);
    const others = [{ ...base, subscriptionId: 8 }, { ...base, runId: 43 }, { ...base, intent: 'stop-loss' }, { ...base, intent: '#1' }].map(clientOrderId);
    expect(new Set([id, ...others]).size).toBe(5);
  });
});
