// What a trader reads first: return, drawdown, risk-adjusted return, how often and how much the trades won.
// Sharpe and Sortino are annualised from the slot frequency (the median gap between slots), with a zero risk-free
// rate; per-slot returns are the equity curve's.
import type { EquityPoint } from './equity.js';
import type { Trade } from './trades.js';

export interface Metrics {
  startEquity: number;
  endEquity: number;
  totalReturnPct: number;
  maxDrawdownPct: number;
  /** Longest time from a peak until equity was back above it (or the end), ms. */
  maxDrawdownDurationMs: number;
  sharpe: number | null;
  sortino: number | null;
  trades: number;
  winRatePct: number | null;
  /** Gross profit over gross loss of closed trades; null without a losing trade. */
  profitFactor: number | null;
  exposurePct: number;
  orders: number;
  feesPaid: number;
  buyAndHoldReturnPct: number;
}

const yearMs = 365 * 86_400_000;

export function metricsOf(curve: readonly EquityPoint[], trades: readonly Trade[], orders: number, feesPaid: number): Metrics {
  const first = curve[0];
  const last = curve[curve.length - 1];
  const startEquity = first?.equity ?? 0;
  const endEquity = last?.equity ?? 0;
  const { maxDrawdownPct, maxDrawdownDurationMs } = drawdown(curve);
  const returns: number[] = [];
  for (let i = 1; i < curve.length; i++) {
    const before = curve[i - 1]!.equity;
    if (before > 0) returns.push(curve[i]!.equity / before - 1);
  }
  const perYear = periodsPerYear(curve);
  const mean = average(returns);
  const sd = Math.sqrt(average(returns.map((r) => (r - mean) ** 2)));
  const downside = Math.sqrt(average(returns.map((r) => Math.min(0, r) ** 2)));
  const closed = trades.filter((t) => t.exitTime !== null);
  const wins = closed.filter((t) => t.pnl > 0);
  const grossProfit = wins.reduce((s, t) => s + t.pnl, 0);
  const grossLoss = -closed.filter((t) => t.pnl < 0).reduce((s, t) => s + t.pnl, 0);
  return {
    startEquity: round(startEquity),
    endEquity: round(endEquity),
    totalReturnPct: round(startEquity > 0 ? (endEquity / startEquity - 1) * 100 : 0),
    maxDrawdownPct: round(maxDrawdownPct),
    maxDrawdownDurationMs,
    sharpe: returns.length > 1 && sd > 0 ? round((mean / sd) * Math.sqrt(perYear)) : null,
    sortino: returns.length > 1 && downside > 0 ? round((mean / downside) * Math.sqrt(perYear)) : null,
    trades: trades.length,
    winRatePct: closed.length ? round((wins.length / closed.length) * 100) : null,
    profitFactor: grossLoss > 0 ? round(grossProfit / grossLoss) : null,
    exposurePct: round(curve.length ? (curve.filter((p) => Math.abs(p.position) > 1e-12).length / curve.length) * 100 : 0),
    orders,
    feesPaid: round(feesPaid),
    buyAndHoldReturnPct: round(first && last && first.price > 0 ? (last.price / first.price - 1) * 100 : 0),
  };
}

export function drawdown(curve: readonly EquityPoint[]): { maxDrawdownPct: number; maxDrawdownDurationMs: number; series: number[] } {
  let peak = -Infinity;
  let peakTime = curve[0]?.time ?? 0;
  let maxDrawdownPct = 0;
  let maxDrawdownDurationMs = 0;
  const series: number[] = [];
  for (const p of curve) {
    if (p.equity >= peak) {
      peak = p.equity;
      peakTime = p.time;
    }
    const dd = peak > 0 ? ((peak - p.equity) / peak) * 100 : 0;
    series.push(dd);
    maxDrawdownPct = Math.max(maxDrawdownPct, dd);
    if (dd > 0) maxDrawdownDurationMs = Math.max(maxDrawdownDurationMs, p.time - peakTime);
  }
  return { maxDrawdownPct, maxDrawdownDurationMs, series };
}

function periodsPerYear(curve: readonly EquityPoint[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < curve.length; i++) gaps.push(curve[i]!.time - curve[i - 1]!.time);
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)] ?? yearMs;
  return median > 0 ? yearMs / median : 1;
}

const average = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
const round = (x: number) => Number(x.toFixed(6));
