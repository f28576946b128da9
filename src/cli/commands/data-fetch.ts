import { ensureHome } from '../../home.js';
import { BotctlError, errorText } from '../../errors.js';
import type { FetchResult } from '../../market-data/fetch-candles.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { keyValues } from '../output.js';
import { isoMinute, parseTime } from '../parse-time.js';
import { progressBar } from '../progress.js';

// Candles through ccxt's public API (no key), into the store in the home. ccxt loads lazily, here only.
export async function run(context: CommandContext, _args: Arguments<'data fetch'>, options: Options<'data fetch'>): Promise<FetchResult> {
  const since = parseTime('--since', options.since);
  const until = options.until === undefined ? undefined : parseTime('--until', options.until);
  const timeframe = options.timeframe;
  const exchange = options.exchange;
  ensureHome(context.home);
  const [{ ExchangeClients, clientOptionsFromEnv }, { fetchCandles }] = await Promise.all([
    import('../../broker/exchange-clients.js'),
    import('../../market-data/fetch-candles.js'),
  ]);
  const bar = progressBar(`${exchange} ${options.pair} ${timeframe}`);
  try {
    const client = await new ExchangeClients(clientOptionsFromEnv()).get({ exchange, endpoints: 'live', keyName: null });
    return await fetchCandles(client, context.home, { exchange, symbol: options.pair, timeframe, since, until, onProgress: (done, total) => bar.update(done, total) });
  } catch (error) {
    if (error instanceof BotctlError) throw error;
    throw new BotctlError('exchange_failure', `Fetching candles from ${exchange} failed: ${errorText(error)}. What was fetched is kept.`, {
      hint: 'run the same command again: it fetches only what is missing',
      cause: error,
    });
  } finally {
    bar.stop();
  }
}

export function render(r: FetchResult): string {
  return keyValues([
    ['series', `${r.exchange} ${r.symbol} ${r.timeframe}`],
    ['period', `${isoMinute(r.from)} .. ${isoMinute(r.to)} (${r.expected} candles)`],
    ['already asked', r.already],
    ['fetched', `${r.fetched} in ${r.requests} requests`],
    ['stored', r.stored],
    ['gaps', r.gaps.length ? r.gaps.map((g) => `${g.missing} missing from ${isoMinute(g.from)}`).join('; ') : 'none'],
  ]);
}
