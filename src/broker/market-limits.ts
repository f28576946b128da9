// An order's amount and prices against the market's published rules (ccxt's market.limits and precision),
// checked before anything is sent or recorded as placed. The same market object serves paper (recorded or
// public data) and the exchange, so paper refuses what the exchange would.
import type { MarketInterface } from 'ccxt';
import { RiskRejected } from '../sdk/errors.js';
import { floorToStep } from '../sdk/strategy/precision.js';
import type { OrderRequest } from './order-request.js';

/**
 * The amount the order is sent with: floored to the market's amount step (ccxt truncates the same way, and the
 * paper exchange too), so the guard, the ledger and the venue all see one quantity.
 */
export function checkMarketLimits(order: OrderRequest & { amount: number }, market: MarketInterface, valuation: number): number {
  const symbol = market.symbol;
  const amount = floorToStep(order.amount, market.precision?.amount);
  const { min: minAmount, max: maxAmount } = market.limits?.amount ?? {};
  if (!(amount > 0) || (minAmount !== undefined && amount < minAmount)) {
    throw new RiskRejected(`order amount ${order.amount} refused: ${symbol} takes at least ${minAmount ?? market.precision?.amount} (amount step ${market.precision?.amount}).`);
  }
  if (maxAmount !== undefined && amount > maxAmount) throw new RiskRejected(`order amount ${order.amount} refused: ${symbol} takes at most ${maxAmount}.`);
  const { min: minPrice, max: maxPrice } = market.limits?.price ?? {};
  for (const [field, price] of [['limit price', order.price], ['trigger price', order.trigger]] as const) {
    if (price === undefined) continue;
    if (minPrice !== undefined && price < minPrice) throw new RiskRejected(`${field} ${price} refused: ${symbol} prices start at ${minPrice}.`);
    if (maxPrice !== undefined && price > maxPrice) throw new RiskRejected(`${field} ${price} refused: ${symbol} prices end at ${maxPrice}.`);
  }
  // A reduce-only order may be smaller than the minimum notional: closing a small position must stay possible.
  const minCost = market.limits?.cost?.min;
  const cost = amount * valuation * (market.contractSize ?? 1);
  if (!order.reduceOnly && minCost !== undefined && cost < minCost) {
    throw new RiskRejected(`order notional ${cost.toFixed(2)} refused: ${symbol} takes at least ${minCost}.`);
  }
  return amount;
}
