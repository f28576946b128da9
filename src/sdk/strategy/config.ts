// Config pieces the templates share, as zod schemas with defaults.
import { z } from 'zod';

export interface CapitalManagement {
  /** Cap on one position's notional, percent of equity. The broker enforces it too. */
  max_position_size: number;
  /** Percent of equity a trade may lose at its stop. */
  risk_per_trade: number;
}

export function capitalManagementSchema(defaults: CapitalManagement) {
  return z
    .object({
      max_position_size: z.number().gt(0).max(10_000).default(defaults.max_position_size),
      risk_per_trade: z.number().gt(0).max(100).default(defaults.risk_per_trade),
    })
    .prefault({});
}

/** Equity in `currency` from a ccxt balance: total, which for futures includes unrealized PnL. */
export function equityIn(balance: Record<string, unknown>, currency: string): number {
  const entry = balance[currency] as { total?: number | null } | undefined;
  return Number(entry?.total ?? 0);
}

/** The config fields of the futures trend templates (binance_futures_bot, universal_futures_bot). */
export function futuresTrendShape(defaultTimeframes: string[]) {
  return {
    leverage: z.number().int().min(1).max(125).default(3),
    timeframes: z.array(z.string()).min(1).max(4).default(defaultTimeframes),
    capital_management: capitalManagementSchema({ max_position_size: 100, risk_per_trade: 1 }),
    ema_fast: z.number().int().min(2).default(21),
    ema_slow: z.number().int().min(3).default(55),
    rsi_period: z.number().int().min(2).default(14),
    rsi_long_min: z.number().min(0).max(100).default(50),
    rsi_long_max: z.number().min(0).max(100).default(70),
    rsi_short_min: z.number().min(0).max(100).default(30),
    rsi_short_max: z.number().min(0).max(100).default(50),
    atr_period: z.number().int().min(2).default(14),
    stop_atr_multiplier: z.number().gt(0).default(2),
    reward_risk: z.number().gt(0).default(2),
    allow_short: z.boolean().default(true),
    close_on_reversal: z.boolean().default(true),
  };
}

export type FuturesTrendConfig = z.output<z.ZodObject<ReturnType<typeof futuresTrendShape>>>;

/** For `.refine(...emaOrder)`: the fast EMA must be the shorter one. */
export const emaOrder: [(c: { ema_fast: number; ema_slow: number }) => boolean, { message: string; path: string[] }] = [
  (c) => c.ema_fast < c.ema_slow,
  { message: 'ema_fast must be shorter than ema_slow', path: ['ema_fast'] },
];
