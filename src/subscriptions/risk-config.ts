import { z } from 'zod';
import { configIssues } from '../runtime/config-issues.js';
import { invalid } from '../errors.js';
import { nearMatches } from '../near-matches.js';

// The limits the daemon's broker enforces on every exchange call a subscription's bot makes (see
// architecture.md §2). Stored, with defaults applied, in subscriptions.risk_config. Unknown keys are
// refused so a misspelt limit never silently means "no limit".
//   max_leverage           highest leverage setLeverage/createOrder may use (default 5)
//   max_orders_per_run     orders one execution may create (default 10)
//   max_position_size_pct  optional: the pair's position, once an order fills, as a percentage of equity
//   max_order_notional     optional: one order's cost in the quote currency (e.g. USDT)
//   paper                  paper mode only: { fee_rate, slippage_bps, starting_balance } of the simulated account
export const riskConfigSchema = z.strictObject({
  max_leverage: z.number().int().min(1).max(125).default(5),
  max_orders_per_run: z.number().int().min(0).max(1000).default(10),
  max_position_size_pct: z.number().gt(0).max(100).optional(),
  max_order_notional: z.number().positive().optional(),
  paper: z
    .strictObject({
      /** Fee on each fill's notional; default the market's taker fee (0.1% spot, 0.05% USDⓈ-M). */
      fee_rate: z.number().min(0).max(0.1).optional(),
      /** Market and triggered fills move this many basis points against the order; default 5. */
      slippage_bps: z.number().min(0).max(1000).default(5),
      /** The account a paper subscription starts with; default 10000 of the pair's quote (settle) currency. */
      starting_balance: z.record(z.string().regex(/^[A-Z0-9]{1,20}$/), z.number().nonnegative()).optional(),
    })
    .optional(),
});

export type RiskConfig = z.output<typeof riskConfigSchema>;

export function validateRiskConfig(input: unknown): RiskConfig {
  const parsed = riskConfigSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  // configIssues names paths from 'config'; here the root is the --risk document.
  const issues = configIssues(parsed.error.issues, input).map((line) => line.replace(/^(\s*)config\b/, '$1risk'));
  // A misspelt key: say which keys there are, at the level where it was written.
  const known = parsed.error.issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys') return [];
    const where = issue.path.length ? `risk.${issue.path.join('.')}` : 'risk';
    const shape = issue.path[0] === 'paper' ? riskConfigSchema.shape.paper.unwrap().shape : riskConfigSchema.shape;
    const near = issue.keys.flatMap((key) => nearMatches(key, Object.keys(shape), 1).map((n) => `did you mean "${n}" for "${key}"?`));
    return [`  valid keys in ${where}: ${Object.keys(shape).join(', ')}${near.length ? ` (${near.join('; ')})` : ''}`];
  });
  throw invalid(`\`--risk\` does not match the risk limits schema:\n${[...issues, ...known].join('\n')}`);
}

/**
 * A bot config whose `leverage` exceeds the subscription's own max_leverage would have every order refused
 * by the risk guard at run time: refused at subscribe instead, where it can still be fixed.
 */
export function assertLeverageWithinRisk(config: unknown, risk: RiskConfig): void {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return;
  const leverage = (config as Record<string, unknown>).leverage;
  if (typeof leverage !== 'number' || leverage <= risk.max_leverage) return;
  throw invalid(
    `Expected \`--config\` leverage to be at most the subscription's max_leverage ${risk.max_leverage}, got ${leverage}: every order would be refused.`,
    `lower leverage in --config, or raise the limit: --risk '{"max_leverage": ${leverage}}'`,
  );
}
