// The checks every exchange call passes before ccxt sees it. Pure: the session supplies the subscription's
// limits and the facts (price, equity, orders so far); a failed check throws RiskRejected with what was
// asked and what the limit allows.
import { RiskRejected } from '../sdk/errors.js';
import { riskConfigSchema } from '../subscriptions/risk-config.js';

export { RiskRejected };

export interface RiskLimits {
  /** The subscription's ccxt symbol: the only one orders, leverage and account reads may touch. */
  pair: string;
  maxLeverage: number;
  maxOrdersPerRun: number;
  /**
   * Percent of equity the pair's position may reach once an order fills: the lower of
   * capital_management.max_position_size and risk_config.max_position_size_pct.
   */
  maxPositionPct: number | undefined;
  /** One order's notional in the quote currency. */
  maxOrderNotional: number | undefined;
}

/** Limits from a subscription's stored JSON (risk_config with its defaults, execution_config.capital_management). */
export function riskLimits(pair: string, riskConfigJson: string, executionConfigJson: string): RiskLimits {
  const risk = riskConfigSchema.parse(parseObject(riskConfigJson));
  const execution = parseObject(executionConfigJson);
  const capital = execution['capital_management'];
  const maxPositionSize = capital && typeof capital === 'object' ? (capital as Record<string, unknown>)['max_position_size'] : undefined;
  const caps = [typeof maxPositionSize === 'number' ? maxPositionSize : undefined, risk.max_position_size_pct].filter((x): x is number => x !== undefined);
  return {
    pair,
    maxLeverage: risk.max_leverage,
    maxOrdersPerRun: risk.max_orders_per_run,
    maxPositionPct: caps.length ? Math.min(...caps) : undefined,
    maxOrderNotional: risk.max_order_notional,
  };
}

function parseObject(json: string): Record<string, unknown> {
  const value: unknown = JSON.parse(json || '{}');
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function checkSymbol(limits: RiskLimits, method: string, symbol: unknown): void {
  if (symbol !== limits.pair) {
    throw new RiskRejected(`${method} on ${String(symbol)} refused: this subscription trades ${limits.pair} only.`);
  }
}

export function checkLeverage(limits: RiskLimits, leverage: unknown): void {
  if (typeof leverage !== 'number' || !Number.isFinite(leverage) || leverage < 1) {
    throw new RiskRejected(`leverage must be a number of at least 1, got ${String(leverage)}.`);
  }
  if (leverage > limits.maxLeverage) {
    throw new RiskRejected(`leverage ${leverage} refused: risk_config.max_leverage is ${limits.maxLeverage}.`);
  }
}

export interface OrderFacts {
  symbol: unknown;
  type: string;
  side: string;
  amount: number;
  price: number | undefined;
  params: Record<string, unknown>;
  /** Price used for the notional of an order without a limit or trigger price. */
  marketPrice: number;
  contractSize: number;
  /** Orders already placed in this run that count towards max_orders_per_run. */
  counted: number;
  /** Account equity in the quote/settle currency; only read when a percent cap applies. */
  equity: () => Promise<number>;
  /** What the account holds of the pair and has resting to add to it. Only read when a percent cap applies. */
  holding: () => Promise<Holding>;
}

/** In base units (contracts × contract size). */
export interface Holding {
  /** A futures position, negative when short, or a spot balance. */
  position: number;
  /** What open orders that are not reduce-only would buy, and sell, if they filled. */
  restingBuys: number;
  restingSells: number;
}

export interface OrderVerdict {
  notional: number;
  /** False for a plain reduce-only market close: flattening is always allowed. */
  counts: boolean;
}

/** The trigger price of a stop or take-profit order, from whichever ccxt param carries it. */
export const triggerPriceOf = (params: Record<string, unknown>): number | undefined => {
  for (const key of ['triggerPrice', 'stopPrice', 'stopLossPrice', 'takeProfitPrice']) {
    const value = params[key];
    if (typeof value === 'number' && value > 0) return value;
  }
  return undefined;
};

export const isReduceOnly = (params: Record<string, unknown>): boolean => params['reduceOnly'] === true || params['closePosition'] === true;

export async function checkOrder(limits: RiskLimits, order: OrderFacts): Promise<OrderVerdict> {
  checkSymbol(limits, 'createOrder', order.symbol);
  if (order.side !== 'buy' && order.side !== 'sell') throw new RiskRejected(`order side must be buy or sell, got ${order.side}.`);
  if (!(order.amount > 0) && order.params['closePosition'] !== true) throw new RiskRejected(`order amount must be positive, got ${order.amount}.`);
  if (order.params['leverage'] !== undefined) checkLeverage(limits, order.params['leverage']);
  const trigger = triggerPriceOf(order.params);
  const reduceOnly = isReduceOnly(order.params);
  const counts = !(reduceOnly && trigger === undefined && order.type === 'market');
  if (counts && order.counted >= limits.maxOrdersPerRun) {
    throw new RiskRejected(`order refused: this run already placed ${order.counted} orders, risk_config.max_orders_per_run is ${limits.maxOrdersPerRun}.`);
  }
  const price = order.type === 'market' ? (trigger ?? order.marketPrice) : (order.price ?? trigger ?? order.marketPrice);
  const notional = order.amount * price * order.contractSize;
  // Reduce-only orders can only shrink a position: the size caps are about new exposure.
  if (!reduceOnly) {
    if (limits.maxOrderNotional !== undefined && notional > limits.maxOrderNotional) {
      throw new RiskRejected(`order notional ${notional.toFixed(2)} refused: risk_config.max_order_notional is ${limits.maxOrderNotional}.`);
    }
    if (limits.maxPositionPct !== undefined) {
      const equity = await order.equity();
      const cap = (equity * limits.maxPositionPct) / 100;
      const capText = `max_position_size is ${limits.maxPositionPct}% of equity ${equity.toFixed(2)} = ${cap.toFixed(2)}`;
      // The cap is on the position the order leads to if it fills, at the order's price, counting the resting
      // orders on its side as filled too: orders that each fit must not add up, within a run or across runs, to
      // more. An order that shrinks the position always may.
      const { position, restingBuys, restingSells } = await order.holding();
      const buying = order.side === 'buy';
      const worst = buying ? position + restingBuys : position - restingSells;
      const delta = (buying ? 1 : -1) * order.amount * order.contractSize;
      const before = Math.abs(worst) * price;
      const after = Math.abs(worst + delta) * price;
      if (after > before && after > cap * (1 + 1e-9)) {
        throw new RiskRejected(
          worst === 0
            ? `order notional ${notional.toFixed(2)} refused: ${capText}.`
            : `order notional ${notional.toFixed(2)} refused: it would take the ${limits.pair} position from ${before.toFixed(2)} to ${after.toFixed(2)}` +
              `${worst !== position ? ' (resting orders counted as filled)' : ''}, and ${capText}.`,
        );
      }
    }
  }
  return { notional, counts };
}
