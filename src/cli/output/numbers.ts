// Prices and amounts as people read them: to the market's precision where it is known (65193.590505 at a tick of
// 0.01 is 65193.59), else to a sensible number of digits for its size.

/** Decimals a step has: 0.01 → 2, 0.5 → 1, 1e-5 → 5, 10 → 0. */
export function stepDecimals(step: number): number {
  if (!Number.isFinite(step) || step <= 0) return 0;
  const [mantissa = '', exponent = '0'] = step.toExponential().split('e');
  return Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - Number(exponent));
}

/**
 * `value` rounded to the nearest multiple of `step`, with the step's decimals (so a column of prices lines up).
 * Without a step: 2 decimals from 1000 up, 4 from 1 up, else 6 significant digits, trailing zeros dropped.
 */
export function formatNumber(value: number | null | undefined, step?: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return value === null || value === undefined ? '' : String(value);
  if (step && step > 0) {
    const decimals = stepDecimals(step);
    return (Math.round(value / step) * step).toFixed(decimals);
  }
  const size = Math.abs(value);
  const text = size >= 1000 ? value.toFixed(2) : size >= 1 ? value.toFixed(4) : size === 0 ? '0' : value.toPrecision(6);
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text;
}
