import { listReports } from '../../backtest/report-store.js';
import type { CommandContext } from '../context.js';
import { table } from '../output.js';
import { isoMinute } from '../parse-time.js';

export interface BacktestListing {
  id: number; bot: string; pair: string; from: number; to: number; slots: number; config: unknown;
  return_pct: number; buy_and_hold_pct: number; max_drawdown_pct: number; sharpe: number | null; trades: number; created_at: string;
}

export async function run(context: CommandContext): Promise<BacktestListing[]> {
  return listReports(context.home).map((r) => ({
    id: r.id, bot: r.bot.name, pair: r.pair, from: r.from, to: r.to, slots: r.slots.run, config: r.config,
    return_pct: r.metrics.totalReturnPct, buy_and_hold_pct: r.metrics.buyAndHoldReturnPct, max_drawdown_pct: r.metrics.maxDrawdownPct,
    sharpe: r.metrics.sharpe, trades: r.metrics.trades, created_at: r.created_at,
  }));
}

export function render(rows: BacktestListing[]): string {
  if (rows.length === 0) return 'No backtests yet.\n  next: botctl backtest BOT --pair P --from DATE --to DATE';
  return table(['id', 'bot', 'pair', 'period', 'config', 'return %', 'hold %', 'max dd %', 'sharpe', 'trades'], rows.map((r) => [
    r.id, r.bot, r.pair, `${isoMinute(r.from)} .. ${isoMinute(r.to)}`, JSON.stringify(r.config), r.return_pct.toFixed(2), r.buy_and_hold_pct.toFixed(2),
    r.max_drawdown_pct.toFixed(2), r.sharpe === null ? '—' : r.sharpe.toFixed(2), r.trades,
  ]));
}
