// The checks every exchange call passes before ccxt or the paper exchange sees it, the same in paper, testnet
// and live. Pure: the session supplies the subscription's limits and the facts (the market price it read for
// this order, equity, the position, orders so far); a failed check throws RiskRejected with what was asked and
// what the limit allows.
import { RiskRejected } from '../sdk/errors.js';
import { exchangeMethods, type ExchangeMethod } from '../sdk/exchange-methods.js';
import { riskConfigSchema } from '../subscriptions/risk-config.js';
import type { OrderSide, OrderType } from './order-request.js';

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

/** The methods the exchange-method table marks as adding exposure (an order, more leverage). */
export type ExposureMethod = { [K in ExchangeMethod]: (typeof exchangeMethods)[K]['addsExposure'] extends true ? K : never }[ExchangeMethod];

/** The guard's own check of each call that may add exposure, given by the session that has the facts it needs. */
export type ExposureChecks = { [K in ExposureMethod]: (args: unknown[]) => Promise<unknown> };

/** Does the table mark `method` as adding exposure? Read at every call, so the table alone decides. */
export function addsExposure(method: ExchangeMethod): method is ExposureMethod {
  return exchangeMethods[method].addsExposure;
}

/**
 * How a call that may add exposure is served: only through its check (each ends in checkOrder or checkLeverage
 * before the venue is called). The type makes a method marked in the table without a check fail to compile; a
 * method the table marks at run time without one is refused, never passed on unchecked.
 */
export function exposureCheck(method: ExposureMethod, checks: ExposureChecks): (args: unknown[]) => Promise<unknown> {
  const known: Partial<Record<ExchangeMethod, (args: unknown[]) => Promise<unknown>>> = checks;
  const check = Object.hasOwn(known, method) ? known[method] : undefined;
  if (!check) throw new RiskRejected(`${method} refused: it may add exposure and the risk guard has no check for it.`);
  return check;
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
  type: OrderType;
  side: OrderSide;
  /** After normalisation (order-request.ts): finite, positive, on the market's amount step. */
  amount: number;
  /** The limit price, for limit orders. */
  price: number | undefined;
  /** The stop or take-profit trigger price. */
  trigger: number | undefined;
  /** reduceOnly, or closePosition (which the broker turns into a reduce-only order for the whole position). */
  reduceOnly: boolean;
  params: Record<string, unknown>;
  /** The market price the broker read for this order, now: never a price the bot supplied or fetched. */
  marketPrice: number;
  contractSize: number;
  /** Orders already placed in this run: every order counts towards max_orders_per_run. */
  counted: number;
  /** Account equity in the quote/settle currency; only read when a percent cap applies. */
  equity: () => Promise<number>;
  /** What the account holds of the pair and has resting to add to it, read afresh. */
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
}

/** The trigger price of a stop or take-profit order, from whichever ccxt param carries it. */
export const triggerPriceOf = (params: Record<string, unknown>): number | undefined => {
  for (const key of ['triggerPrice', 'stopPrice', 'stopLossPrice', 'takeProfitPrice']) {
    const value = params[key];
    if (typeof value === 'number' && value > 0) return value;
  }
  return undefined;
};

/**
 * What an order is valued at: the market price read now, or a price the order names when that is higher. A
 * market order fills at the market whatever price the bot passed; a marketable limit at the worse of its limit and
 * the market; a resting limit or a trigger at its own price at most. Valuing at the highest of them never
 * undervalues: a short entry priced at a sell limit of 0.01 is worth what the market pays for it.
 */
export const valuationPrice = (order: Pick<OrderFacts, 'marketPrice' | 'price' | 'trigger'>): number =>
  Math.max(order.marketPrice, order.price ?? 0, order.trigger ?? 0);

export async function checkOrder(limits: RiskLimits, order: OrderFacts): Promise<OrderVerdict> {
  checkSymbol(limits, 'createOrder', order.symbol);
  if (order.side !== 'buy' && order.side !== 'sell') throw new RiskRejected(`order side must be buy or sell, got ${String(order.side)}.`);
  if (!(Number.isFinite(order.amount) && order.amount > 0)) throw new RiskRejected(`order amount must be a finite number above 0, got ${order.amount}.`);
  if (!(Number.isFinite(order.marketPrice) && order.marketPrice > 0)) {
    throw new RiskRejected(`order refused: no market price for ${limits.pair} (the exchange answered ${order.marketPrice}).`);
  }
  if (order.params['leverage'] !== undefined) checkLeverage(limits, order.params['leverage']);
  if (order.counted >= limits.maxOrdersPerRun) {
    throw new RiskRejected(`order refused: this run already placed ${order.counted} orders, risk_config.max_orders_per_run is ${limits.maxOrdersPerRun}.`);
  }
  const price = valuationPrice(order);
  const notional = order.amount * price * order.contractSize;
  if (order.reduceOnly) {
    await checkReduces(limits, order);
    // It can only shrink a position: the size caps are about new exposure.
    return { notional };
  }
  if (limits.maxOrderNotional !== undefined && notional > limits.maxOrderNotional) {
    throw new RiskRejected(`order notional ${notional.toFixed(2)} refused: risk_config.max_order_notional is ${limits.maxOrderNotional}.`);
  }
  if (limits.maxPositionPct !== undefined) await checkPosition(limits, order, price, notional);
  return { notional };
}

// A reduce-only order must face a position on the other side, no larger than it (read afresh: an order placed
// earlier in this run may have changed it). Otherwise it is refused, not passed on for the venue to interpret.
async function checkReduces(limits: RiskLimits, order: OrderFacts): Promise<void> {
  const { position } = await order.holding();
  const size = order.amount * order.contractSize;
  const facing = order.side === 'buy' ? position < 0 : position > 0;
  if (!facing) {
    throw new RiskRejected(
      `reduce-only ${order.side} refused: there is no ${order.side === 'buy' ? 'short' : 'long'} ${limits.pair} position to reduce` +
        ` (position ${position}).`,
    );
  }
  if (size > Math.abs(position) * (1 + 1e-9)) {
    throw new RiskRejected(`reduce-only ${order.side} of ${size} refused: the ${limits.pair} position is ${Math.abs(position)}.`);
  }
}

// The cap is on the position the order leads to if it fills, at the order's valuation price, counting the resting
// orders on its side as filled too: orders that each fit must not add up, within a run or across runs, to more. An
// order that shrinks the position always may.
async function checkPosition(limits: RiskLimits, order: OrderFacts, price: number, notional: number): Promise<void> {
  const pct = limits.maxPositionPct ?? 0;
  const equity = await order.equity();
  const cap = (equity * pct) / 100;
  const capText = `max_position_size is ${pct}% of equity ${equity.toFixed(2)} = ${cap.toFixed(2)}`;
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
