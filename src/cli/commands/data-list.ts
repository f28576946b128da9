import { CandleStore, type StoredSeriesInfo } from '../../market-data/candle-store.js';
import type { CommandContext } from '../context.js';
import { table } from '../output.js';
import { isoMinute } from '../parse-time.js';

export async function run(context: CommandContext): Promise<StoredSeriesInfo[]> {
  return new CandleStore(context.home).list();
}

export function render(rows: StoredSeriesInfo[]): string {
  if (rows.length === 0) return 'No candles stored.\n  next: botctl data fetch --exchange binance --pair BTC/USDT --timeframe 1h --since 2024-01-01   (or botctl data import FILE)';
  return table(
    ['exchange', 'pair', 'timeframe', 'first', 'last', 'count', 'gaps'],
    rows.map((r) => [r.exchange, r.symbol, r.timeframe, isoMinute(r.first), isoMinute(r.last), r.count,
      r.gaps.length === 0 ? 'none' : `${r.gaps.length} (${r.gaps.reduce((n, g) => n + g.missing, 0)} candles)`]),
  );
}
