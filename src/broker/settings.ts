// Where paper mode's prices come from: the exchange's public market data (default), or the recorded candle
// files, for offline use. BOTCTL_MARKET_DATA=recorded|exchange decides; without it, a home whose
// config.json says {"offline": true} (or {"market_data": "recorded"}) uses the recorded files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalid } from '../errors.js';
import { packageRoot } from '../package-root.js';

export type MarketDataSource = 'exchange' | 'recorded';

export function marketDataSource(home: string, env: NodeJS.ProcessEnv = process.env): MarketDataSource {
  const chosen = env['BOTCTL_MARKET_DATA'];
  if (chosen !== undefined && chosen !== '') {
    if (chosen !== 'exchange' && chosen !== 'recorded') throw invalid(`Expected BOTCTL_MARKET_DATA to be exchange or recorded, got ${JSON.stringify(chosen)}.`);
    return chosen;
  }
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
  } catch {
    return 'exchange';
  }
  const c = (config ?? {}) as { offline?: unknown; market_data?: unknown };
  return c.offline === true || c.market_data === 'recorded' ? 'recorded' : 'exchange';
}

/** The recorded candle files: BOTCTL_RECORDED_DATA, else data/candles in the package. */
export function recordedDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['BOTCTL_RECORDED_DATA'] || join(packageRoot, 'data', 'candles');
}
