// The real Binance candles beside the project (../shared/data/real-candles, see its README), with their open times.
// Their rows carry no times: each file's note gives its period and the exchange's gaps, from which the times follow.
// Tests that use them skip, saying why, where ../shared/data is absent (BOTCTL_SHARED_DATA points elsewhere).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KlineRange } from './fake-binance.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const sharedDataDir = process.env['BOTCTL_SHARED_DATA'] ? resolve(process.env['BOTCTL_SHARED_DATA']) : join(repoRoot, '..', 'shared', 'data');
export const realCandlesDir = join(sharedDataDir, 'real-candles');
export const haveRealCandles = existsSync(realCandlesDir);
export const noRealCandles = `real candles not found at ${realCandlesDir} (../shared/data is absent)`;

export interface RealCandles {
  file: string;
  symbol: string;
  timeframe: string;
  /** [openTime, open, high, low, close, volume] */
  rows: number[][];
}

const minute = 60_000;
const spans: Record<string, number> = { '1m': minute, '15m': 15 * minute, '1h': 60 * minute, '4h': 240 * minute };
const at = (text: string) => Date.parse(text.replace('Z', ':00Z'));

/** e.g. realCandles('octobot-1h', 'binance-ETHUSDT-1h.json') */
export function realCandles(folder: string, name: string): RealCandles {
  const file = join(realCandlesDir, folder, name);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { note: string; symbol: string; timeframe: string; candles: number[][] };
  const [, start = '', end = ''] = /(\S+Z) \.\. (\S+Z)/.exec(doc.note) ?? [];
  const span = spans[doc.timeframe] ?? NaN;
  const gaps = new Map([...doc.note.matchAll(/\('(\S+Z)', (\d+)\)/g)].map(([, t = '', n]) => [at(t), Number(n)]));
  let t = at(start);
  const rows = doc.candles.map((c) => {
    const row = [t, ...c];
    t += span * (1 + (gaps.get(t) ?? 0));
    return row;
  });
  if (rows.at(-1)?.[0] !== at(end)) throw new Error(`${file}: its rows do not end at ${end}`);
  return { file, symbol: doc.symbol, timeframe: doc.timeframe, rows };
}

/** A klines option for the fake Binance serving these candles for one exchange id and interval. */
export function servingKlines(series: { id: string; candles: RealCandles }[]) {
  return (symbol: string, interval: string, limit: number, range: KlineRange): number[][] => {
    const found = series.find((s) => s.id === symbol && s.candles.timeframe === interval);
    if (!found) return [];
    const inRange = found.candles.rows.filter(([time = 0]) => (range.startTime === undefined || time >= range.startTime) && (range.endTime === undefined || time <= range.endTime));
    return range.startTime === undefined ? inRange.slice(-limit) : inRange.slice(0, limit);
  };
}
