// Position sizing from the risk a trade may lose: the distance to the stop decides the quantity.
import { amountToStep, ceilToStep, type MarketRules } from './precision.js';

export interface PositionSizeInput {
  /** Account equity in the quote (settle) currency. */
  equity: number;
  /** Percent of equity the trade may lose if the stop is hit (capital_management.risk_per_trade). */
  riskPct: number;
  entry: number;
  stop: number;
  market: MarketRules;
  /** Cap on the position's notional, percent of equity (capital_management.max_position_size). */
  maxPositionPct?: number | undefined;
  /** Futures leverage: the notional may not need more margin than the equity. Spot: 1. */
  leverage?: number | undefined;
  /**
   * When the risk-based quantity is below the market's minimum amount or cost: 'skip' (default) takes no
   * trade; 'raise' takes the smallest accepted quantity if it stays within maxPositionPct.
   */
  belowMinimum?: 'skip' | 'raise';
}

export type PositionSize =
  | { ok: true; amount: number; notional: number; /** Loss at the stop, in quote. */ risk: number; capped: boolean }
  | { ok: false; amount: 0; reason: string };

export function positionSize(input: PositionSizeInput): PositionSize {
  const { equity, riskPct, entry, stop, market } = input;
  const contractSize = market.contractSize ?? 1;
  const distance = Math.abs(entry - stop);
  if (!(equity > 0)) return { ok: false, amount: 0, reason: `equity is ${equity}` };
  if (!(entry > 0) || !(distance > 0)) return { ok: false, amount: 0, reason: `stop ${stop} must differ from entry ${entry}` };

  let amount = (equity * riskPct) / 100 / (distance * contractSize);
  let capped = false;
  const caps: number[] = [];
  if (input.maxPositionPct !== undefined) caps.push((equity * input.maxPositionPct) / 100);
  caps.push(equity * (input.leverage ?? 1));
  const maxNotional = Math.min(...caps);
  if (amount * entry * contractSize > maxNotional) {
    amount = maxNotional / (entry * contractSize);
    capped = true;
  }
  amount = amountToStep(market, amount);

  const minAmount = market.limits.amount?.min ?? 0;
  const minCost = market.limits.cost?.min ?? 0;
  const notionalOf = (a: number) => a * entry * contractSize;
  if (amount <= 0 || amount < minAmount || notionalOf(amount) < minCost) {
    if (input.belowMinimum !== 'raise') {
      return { ok: false, amount: 0, reason: `the risk-based size ${amount} is below the market minimum (amount ${minAmount}, cost ${minCost})` };
    }
    const step = market.precision.amount;
    const raised = Math.max(ceilToStep(minAmount, step), ceilToStep(minCost / (entry * contractSize), step));
    if (notionalOf(raised) > maxNotional) {
      return { ok: false, amount: 0, reason: `the market minimum ${raised} exceeds the position cap of ${maxNotional.toFixed(2)}` };
    }
    amount = raised;
  }
  const round = (x: number) => Number(x.toFixed(8));
  return { ok: true, amount, notional: round(notionalOf(amount)), risk: round(amount * distance * contractSize), capped };
}
