// Rounding to a market's steps. ctx.exchange markets express precision as tick sizes (e.g. 0.001).
type Num = number | undefined;

/** The part of a ccxt market the sizing helpers read. */
export interface MarketRules {
  precision: { amount?: Num; price?: Num };
  limits: { amount?: { min?: Num; max?: Num } | undefined; cost?: { min?: Num; max?: Num } | undefined };
  contractSize?: Num;
}

function decimals(step: number): number {
  if (!Number.isFinite(step) || step <= 0) return 0;
  const text = step.toExponential();
  const [mantissa = '', exponent = '0'] = text.split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

// 1e-9 absorbs binary noise (0.3 / 0.1 = 2.9999999999999996) without moving a genuine remainder.
/** Rounds down to a multiple of `step`, with the step's own decimals (no 0.30000000000000004). */
export function floorToStep(value: number, step: number | undefined): number {
  if (!step) return value;
  return Number((Math.floor(value / step + 1e-9) * step).toFixed(decimals(step)));
}

export function ceilToStep(value: number, step: number | undefined): number {
  if (!step) return value;
  return Number((Math.ceil(value / step - 1e-9) * step).toFixed(decimals(step)));
}

export function roundToStep(value: number, step: number | undefined): number {
  if (!step) return value;
  return Number((Math.round(value / step) * step).toFixed(decimals(step)));
}

/** An order amount the market accepts: truncated to the amount step, as ccxt's amountToPrecision does. */
export function amountToStep(market: MarketRules, amount: number): number {
  return floorToStep(amount, market.precision.amount);
}

/** A price on the market's tick: 'down' for a long's stop, 'up' for a short's stop, 'nearest' otherwise. */
export function priceToTick(market: MarketRules, price: number, direction: 'down' | 'up' | 'nearest' = 'nearest'): number {
  const tick = market.precision.price;
  if (direction === 'down') return floorToStep(price, tick);
  if (direction === 'up') return ceilToStep(price, tick);
  return roundToStep(price, tick);
}
