import { ensureHome } from '../../home.js';
import { importCandles, type ImportResult } from '../../market-data/import-candles.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { keyValues } from '../output.js';
import { isoMinute, parseTime } from '../parse-time.js';

export async function run(context: CommandContext, [file]: Arguments<'data import'>, options: Options<'data import'>): Promise<ImportResult> {
  const since = options.since === undefined ? undefined : parseTime('--since', options.since);
  ensureHome(context.home);
  return importCandles(context.home, file, { exchange: options.exchange, pair: options.pair, timeframe: options.timeframe, since });
}

export function render(r: ImportResult): string {
  return keyValues([
    ['series', `${r.exchange} ${r.symbol} ${r.timeframe}`],
    ['imported', `${r.imported} candles, ${isoMinute(r.first)} .. ${isoMinute(r.last)}`],
    ['stored', r.stored],
    ['gaps', r.gaps.length ? r.gaps.map((g) => `${g.missing} missing from ${isoMinute(g.from)}`).join('; ') : 'none'],
  ]);
}
