// A playbook of declarative rules: a condition on indicator values leads to an action with a size.
// Operators automate a manual routine in config, without writing code (binance_futures_rpa_bot).
import { z } from 'zod';
import { indicatorKeyPattern, type IndicatorValues } from './indicators.js';

const operand = z.union([
  z.number(),
  z.string().regex(indicatorKeyPattern, 'expected close|open|high|low|volume, <sma|ema|wma|rsi|atr|roc>_N or bb_<upper|middle|lower>_N'),
]);

export const comparisonOperators = ['<', '<=', '>', '>=', 'crosses_above', 'crosses_below'] as const;

export interface Comparison {
  left: number | string;
  op: (typeof comparisonOperators)[number];
  right: number | string;
}
export type Condition = Comparison | { all: Condition[] } | { any: Condition[] };

const comparison = z.strictObject({ left: operand, op: z.enum(comparisonOperators), right: operand });
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([comparison, z.strictObject({ all: z.array(conditionSchema).min(1) }), z.strictObject({ any: z.array(conditionSchema).min(1) })]),
);

export const ruleSchema = z.strictObject({
  name: z.string().min(1).max(60),
  /** The rule applies only in this position state. */
  position: z.enum(['any', 'flat', 'long', 'short']).default('any'),
  when: conditionSchema,
  action: z.enum(['open_long', 'open_short', 'close', 'signal']),
  /** Opens: the position's notional as a percent of equity. Without it the size comes from risk_per_trade and the stop. */
  size_pct: z.number().gt(0).max(100).optional(),
  /** Opens: stop-loss distance from the entry, percent. */
  stop_loss_pct: z.number().gt(0).max(50).default(2),
  /** Opens: take-profit distance from the entry, percent; none when absent. */
  take_profit_pct: z.number().gt(0).max(500).optional(),
});

export type Rule = z.output<typeof ruleSchema>;
export type PositionState = 'flat' | 'long' | 'short';

export interface RuleTrace {
  name: string;
  matched: boolean;
  detail: string;
}

export interface RuleDecision {
  /** The first rule, in playbook order, that applies to the position and whose condition holds. */
  rule: Rule | null;
  trace: RuleTrace[];
}

/** Every indicator key the rules read, to compute them once. */
export function ruleIndicatorKeys(rules: readonly Rule[]): string[] {
  const keys = new Set<string>();
  const visit = (c: Condition): void => {
    if ('all' in c) c.all.forEach(visit);
    else if ('any' in c) c.any.forEach(visit);
    else for (const side of [c.left, c.right]) if (typeof side === 'string') keys.add(side);
  };
  rules.forEach((r) => visit(r.when));
  keys.add('close');
  return [...keys];
}

export function evaluateRules(rules: readonly Rule[], values: IndicatorValues, position: PositionState): RuleDecision {
  const trace: RuleTrace[] = [];
  for (const rule of rules) {
    if (rule.position !== 'any' && rule.position !== position) {
      trace.push({ name: rule.name, matched: false, detail: `needs position ${rule.position}, have ${position}` });
      continue;
    }
    const parts: string[] = [];
    const matched = holds(rule.when, values, parts);
    trace.push({ name: rule.name, matched, detail: parts.join('; ') });
    if (matched) return { rule, trace };
  }
  return { rule: null, trace };
}

function holds(condition: Condition, values: IndicatorValues, parts: string[]): boolean {
  if ('all' in condition) return condition.all.every((c) => holds(c, values, parts));
  if ('any' in condition) return condition.any.some((c) => holds(c, values, parts));
  const read = (side: number | string, at: 'current' | 'previous'): number | null =>
    typeof side === 'number' ? side : (values[at][side] ?? null);
  const left = read(condition.left, 'current');
  const right = read(condition.right, 'current');
  const label = `${String(condition.left)} ${condition.op} ${String(condition.right)}`;
  if (left === null || right === null) {
    parts.push(`${label}: not enough data`);
    return false;
  }
  let result: boolean;
  switch (condition.op) {
    case '<': result = left < right; break;
    case '<=': result = left <= right; break;
    case '>': result = left > right; break;
    case '>=': result = left >= right; break;
    default: {
      const prevLeft = read(condition.left, 'previous');
      const prevRight = read(condition.right, 'previous');
      if (prevLeft === null || prevRight === null) {
        parts.push(`${label}: not enough data`);
        return false;
      }
      result = condition.op === 'crosses_above' ? prevLeft <= prevRight && left > right : prevLeft >= prevRight && left < right;
    }
  }
  parts.push(`${label}: ${left.toFixed(4)} vs ${right.toFixed(4)} → ${result}`);
  return result;
}
