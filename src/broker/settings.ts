// Where paper mode's prices come from: the exchange's public market data (default), or the recorded candle
// files, for offline use. BOTCTL_MARKET_DATA=recorded|exchange decides; without it, a home whose
// config.json says {"offline": true} (or {"market_data": "recorded"}) uses the recorded files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BotctlError, invalid, shown } from '../errors.js';
import { nearMatches } from '../near-matches.js';
import { packageRoot } from '../package-root.js';

export type MarketDataSource = 'exchange' | 'recorded';

export function marketDataSource(home: string, env: NodeJS.ProcessEnv = process.env): MarketDataSource {
  // Read (and checked) even when the variable decides, so a broken file never waits for the day it matters.
  const config = readHomeConfig(home);
  const chosen = env['BOTCTL_MARKET_DATA'];
  if (chosen !== undefined && chosen !== '') {
    if (chosen !== 'exchange' && chosen !== 'recorded') throw invalid(`Expected BOTCTL_MARKET_DATA to be exchange or recorded, got ${JSON.stringify(chosen)}.`);
    return chosen;
  }
  return config.offline === true || config.market_data === 'recorded' ? 'recorded' : 'exchange';
}

export interface HomeConfig {
  offline?: boolean;
  market_data?: MarketDataSource;
}

const knownKeys: Record<keyof HomeConfig, (value: unknown) => boolean> = {
  offline: (value) => typeof value === 'boolean',
  market_data: (value) => value === 'exchange' || value === 'recorded',
};
const expected: Record<keyof HomeConfig, string> = { offline: 'true or false', market_data: '"exchange" or "recorded"' };

/**
 * `<home>/config.json`, checked like every other input: a misspelt key (`ofline`) must not silently mean
 * "online". No file is an empty config; anything else wrong is refused naming the file (exit 2).
 */
export function readHomeConfig(home: string): HomeConfig {
  const file = join(home, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new BotctlError('runtime_failure', `Could not read ${file}: ${(error as Error).message}`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw invalid(`${file} is not valid JSON: ${(error as Error).message}.`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw invalid(`Expected ${file} to hold a JSON object such as {"offline": true}, got ${shown(config)}.`);
  }
  for (const [key, value] of Object.entries(config)) {
    const check = knownKeys[key as keyof HomeConfig];
    if (!check) {
      const near = nearMatches(key, Object.keys(knownKeys), 1);
      throw invalid(
        `${file}: unknown key ${shown(key)}${near[0] ? ` (did you mean ${shown(near[0])}?)` : ''}; known keys: ${Object.keys(knownKeys).join(', ')}.`,
      );
    }
    if (!check(value)) throw invalid(`${file}: expected \`${key}\` to be ${expected[key as keyof HomeConfig]}, got ${shown(value)}.`);
  }
  return config as HomeConfig;
}

/** The recorded candle files: BOTCTL_RECORDED_DATA, else data/candles in the package. */
export function recordedDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['BOTCTL_RECORDED_DATA'] || join(packageRoot, 'data', 'candles');
}
