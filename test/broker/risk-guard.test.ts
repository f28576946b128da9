import { describe, expect, it } from 'vitest';
import { clientOrderId } from '../../src/broker/client-order-id.js';
import { RiskRejected, checkLeverage, checkOrder, checkSymbol, riskLimits, type OrderFacts, type RiskLimits } from '../../src/broker/risk-guard.js';

const limits: RiskLimits = { pair: 'BTC/USDT:USDT', maxLeverage: 5, maxOrdersPerRun: 3, maxPositionPct: 50, maxOrderNotional: undefined };
const flat = { position: 0, restingBuys: 0, restingSells: 0 };
const holding = (position: number, resting: { buys?: number; sells?: number } = {}) => async () => ({ position, restingBuys: resting.buys ?? 0, restingSells: resting.sells ?? 0 });
const order = (over: Partial<OrderFacts> = {}): OrderFacts => ({
  symbol: 'BTC/USDT:USDT', type: 'market', side: 'buy', amount: 0.05, price: undefined, params: {}, marketPrice: 60_000, contractSize: 1,
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
    await expect(checkOrder(limits, order())).resolves.toEqual({ notional: 3000, counts: true });
  });

  it('refuses another symbol, too much leverage and a non-number leverage', async () => {
    expect(() => checkSymbol(limits, 'setLeverage', 'ETH/USDT:USDT')).toThrow('setLeverage on ETH/USDT:USDT refused: this subscription trades BTC/USDT:USDT only.');
    expect(() => checkLeverage(limits, 6)).toThrow('leverage 6 refused: risk_config.max_leverage is 5.');
    expect(() => checkLeverage(limits, '5')).toThrow(RiskRejected);
    expect(await refusal(checkOrder(limits, order({ params: { leverage: 20 } })))).toBe('leverage 20 refused: risk_config.max_leverage is 5.');
  });

  it('caps the notional at max_position_size percent of equity, priced at the limit or trigger price when given', async () => {
    expect(await refusal(checkOrder(limits, order({ amount: 0.1 })))).toBe('order notional 6000.00 refused: max_position_size is 50% of equity 10000.00 = 5000.00.');
    await expect(checkOrder(limits, order({ amount: 0.1, type: 'limit', price: 50_000 }))).resolves.toMatchObject({ notional: 5000 });
    expect(await refusal(checkOrder(limits, order({ amount: 0.1, params: { triggerPrice: 70_000 } })))).toContain('7000.00');
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

  it('lets reduce-only orders past the size caps, and a plain reduce-only close past the order count', async () => {
    await expect(checkOrder(limits, order({ amount: 1, side: 'sell', params: { reduceOnly: true, stopLossPrice: 55_000 } }))).resolves.toMatchObject({ counts: true });
    await expect(checkOrder(limits, order({ amount: 1, side: 'sell', counted: 3, params: { reduceOnly: true } }))).resolves.toMatchObject({ counts: false });
    expect(await refusal(checkOrder(limits, order({ side: 'sell', counted: 3, params: { reduceOnly: true, stopLossPrice: 55_000 } }))))
      .toBe('order refused: this run already placed 3 orders, risk_config.max_orders_per_run is 3.');
  });

  it('refuses nonsense sides and amounts', async () => {
    expect(await refusal(checkOrder(limits, order({ side: 'long' })))).toBe('order side must be buy or sell, got long.');
    expect(await refusal(checkOrder(limits, order({ amount: -1 })))).toBe('order amount must be positive, got -1.');
  });
});

describe('clientOrderId', () => {
  const base = { subscriptionId: 7, scheduledFor: '42', intent: 'entry' };

  it('is deterministic per (subscription, run, intent) and fits every major exchange', () => {
    const id = clientOrderId(base);
    expect(id).toBe(clientOrderId({ ...base }));
    expect(id).toMatch(/^bc[a-z0-9]{30}$/);
    const others = [{ ...base, subscriptionId: 8 }, { ...base, scheduledFor: '43' }, { ...base, intent: 'stop-loss' }, { ...base, intent: '#1' }].map(clientOrderId);
    expect(new Set([id, ...others]).size).toBe(5);
  });
});
