// The stored and printed result of one backtest: what ran on what, the metrics, every trade and order, the equity
// curve (at most 2,000 points; the metrics use every slot) and where its chart is.
import type { Gap } from '../market-data/candle-series.js';
import type { Metrics } from './metrics.js';
import type { Trade } from './trades.js';

export interface BacktestReport {
  id: number;
  created_at: string;
  bot: { id: number; name: string; kind: string; version: number | null; code_sha256: string };
  pair: string;
  /** The candles used: 'binance BTC/USDT 1m', with any gaps inside the period. */
  data: { series: string; gaps: Gap[] };
  from: number;
  to: number;
  slots: { every: string | null; schedule: string | null; count: number; run: number; failed: number; skipped: number };
  config: unknown;
  risk: unknown;
  starting_balance: Record<string, number>;
  fee_rate: number | null;
  slippage_bps: number;
  metrics: Metrics;
  trades: Trade[];
  orders: { time: number; slot: number; side: string; type: string; amount: number; price: number | null; status: string; client_order_id: string | null }[];
  failures: { slot: number; time: number; error: string }[];
  final: { balances: Record<string, number>; positions: Record<string, unknown>; open_orders: number };
  equity: { time: number; price: number; equity: number; drawdown_pct: number }[];
  sparkline: string;
  chart: string;
  log_tail: string[];
  signals: number;
  state: Record<string, unknown>;
  /** Wall time (child start to result) and the child's own time over the slots, for comparing runs on one machine. */
  timing: { wall_ms: number; loop_ms: number; slots_per_second: number; child_peak_rss_mb: number };
}

/** At most `max` points, evenly picked, always keeping the first and the last. */
export function thinPoints<T>(points: readonly T[], max = 2_000): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))]!);
  return out;
}
