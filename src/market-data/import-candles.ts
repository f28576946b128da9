// `botctl data import FILE`: a recorded-candle JSON file (the format of data/candles and ../shared/data/real-candles)
// or a CSV of `time,open,high,low,close,volume`, into the candle store. Every row is checked before anything is
// written; a bad one names its line (or index) and what was wrong, and nothing is stored.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { errorText, invalid } from '../errors.js';
import { timeframeMs } from '../sdk/strategy/candles.js';
import { gapsOf, seriesFromRows, type CandleRow, type CandleSeries, type Gap } from './candle-series.js';
import { addRange, CandleStore } from './candle-store.js';
import type { RecordedMarket } from './markets.js';

export interface ImportOptions {
  /** Required for a CSV; overrides the JSON file's own. */
  exchange?: string | undefined;
  pair?: string | undefined;
  timeframe?: string | undefined;
  /** Open time of the first candle, for a JSON file whose rows carry no times and whose note does not say. */
  since?: number | undefined;
}

export interface ImportResult {
  file: string;
  exchange: string;
  symbol: string;
  timeframe: string;
  imported: number;
  first: number | null;
  last: number | null;
  /** Candles stored for the series after the import. */
  stored: number;
  gaps: Gap[];
}

interface Parsed {
  exchange: string;
  symbol: string;
  timeframe: string;
  rows: CandleRow[];
  markets?: Partial<Record<'spot' | 'swap', RecordedMarket>>;
}

export function importCandles(home: string, file: string, options: ImportOptions = {}): ImportResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw invalid(`Cannot read ${JSON.stringify(file)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  const parsed = /^\s*[{[]/.test(text) ? parseRecorded(text, file, options) : parseCsv(text, file, options);
  checkRows(parsed);
  const series = seriesFromRows(parsed.timeframe, parsed.rows);
  const store = new CandleStore(home);
  const stored = store.write(parsed.exchange, parsed.symbol, series);
  const meta = store.meta(parsed.exchange, parsed.symbol);
  const first = series.time[0] ?? 0;
  const last = series.time[series.length - 1] ?? 0;
  // An import vouches for its period: a missing candle inside it is a gap in the data, not something to fetch.
  meta.covered[parsed.timeframe] = addRange(meta.covered[parsed.timeframe] ?? [], first, last + series.spanMs);
  if (parsed.markets) meta.markets = { ...meta.markets, ...parsed.markets };
  meta.sources = [...new Set([...meta.sources, `import:${basename(file)}`])];
  store.writeMeta(meta);
  return summary(file, parsed, series, stored);
}

function summary(file: string, parsed: Parsed, series: CandleSeries, stored: CandleSeries): ImportResult {
  return {
    file, exchange: parsed.exchange, symbol: parsed.symbol, timeframe: parsed.timeframe, imported: series.length,
    first: series.length ? (series.time[0] ?? null) : null, last: series.length ? (series.time[series.length - 1] ?? null) : null,
    stored: stored.length, gaps: gapsOf(stored),
  };
}

function parseRecorded(text: string, file: string, options: ImportOptions): Parsed {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw invalid(`Expected ${JSON.stringify(file)} to be recorded-candle JSON or a CSV: ${errorText(error)}`);
  }
  const field = (name: 'exchange' | 'symbol' | 'timeframe', given: string | undefined): string => {
    const value = given ?? doc[name];
    if (typeof value !== 'string' || !value) throw invalid(`Expected \`${name}\` in ${JSON.stringify(file)} (or --${name === 'symbol' ? 'pair' : name}), got ${JSON.stringify(value)}.`);
    return value;
  };
  const exchange = field('exchange', options.exchange);
  const symbol = field('symbol', options.pair);
  const timeframe = validTimeframe(field('timeframe', options.timeframe));
  if (!Array.isArray(doc['candles'])) throw invalid(`Expected \`candles\` in ${JSON.stringify(file)} to be an array of rows.`);
  const candles = doc['candles'] as unknown[][];
  const timed = candles.every((row) => Array.isArray(row) && row.length === 6);
  const times = timed ? candles.map((row) => Number(row[0])) : timesFromNote(doc['note'], candles.length, timeframe, options.since, file);
  const rows = candles.map((row, i) => {
    if (!Array.isArray(row) || (row.length !== 5 && row.length !== 6)) throw invalid(`Expected candle ${i} of ${JSON.stringify(file)} to be [time?, open, high, low, close, volume], got ${JSON.stringify(row)}.`);
    const values = (timed ? row.slice(1) : row).map(Number);
    return [times[i] ?? NaN, ...values] as CandleRow;
  });
  const markets = doc['markets'] && typeof doc['markets'] === 'object' ? (doc['markets'] as Parsed['markets']) : undefined;
  return { exchange, symbol, timeframe, rows, ...(markets ? { markets } : {}) };
}

// Recorded files without times say their period in their note: "… 2018-06-24T22:00Z .. 2018-07-16T10:00Z …
// Exchange gaps (missing candles after): [('2018-06-26T01:00Z', 10), …]". The first row opens at the period's start;
// after a listed candle, that many candles are missing.
function timesFromNote(note: unknown, count: number, timeframe: string, since: number | undefined, file: string): number[] {
  const text = typeof note === 'string' ? note : '';
  const period = /(\d{4}-\d\d-\d\dT\d\d:\d\dZ) \.\. (\d{4}-\d\d-\d\dT\d\d:\d\dZ)/.exec(text);
  const start = since ?? (period ? Date.parse(period[1]!.replace('Z', ':00Z')) : undefined);
  if (start === undefined || Number.isNaN(start)) {
    throw invalid(`The rows of ${JSON.stringify(file)} carry no times and its note names no period: give the first candle's open time with --since DATE.`);
  }
  const span = timeframeMs(timeframe);
  const skips = new Map<number, number>();
  for (const [, at, n] of text.matchAll(/\('(\d{4}-\d\d-\d\dT\d\d:\d\dZ)', (\d+)\)/g)) skips.set(Date.parse(at!.replace('Z', ':00Z')), Number(n));
  const times: number[] = [];
  let t = start;
  for (let i = 0; i < count; i++) {
    times.push(t);
    t += span * (1 + (skips.get(t) ?? 0));
  }
  if (period && since === undefined) {
    const end = Date.parse(period[2]!.replace('Z', ':00Z'));
    if (times[count - 1] !== end) throw invalid(`The note of ${JSON.stringify(file)} says its candles end at ${period[2]}, but its ${count} rows and listed gaps end at ${new Date(times[count - 1] ?? 0).toISOString()}.`);
  }
  return times;
}

function parseCsv(text: string, file: string, options: ImportOptions): Parsed {
  if (!options.exchange || !options.pair) throw invalid(`A CSV has no exchange or pair: give --exchange ID and --pair SYMBOL for ${JSON.stringify(file)}.`);
  const lines = text.split(/\r?\n/);
  const rows: CandleRow[] = [];
  lines.forEach((line, index) => {
    const cells = line.split(',').map((c) => c.trim());
    if (!line.trim() || (index === 0 && /^[a-z_]+$/i.test(cells[0] ?? ''))) return;
    if (cells.length !== 6) throw invalid(`Expected line ${index + 1} of ${JSON.stringify(file)} to be time,open,high,low,close,volume, got ${JSON.stringify(line.slice(0, 80))}.`);
    const [time = '', ...values] = cells;
    const t = /^\d+$/.test(time) ? Number(time) : Date.parse(time);
    if (Number.isNaN(t)) throw invalid(`Expected the time on line ${index + 1} of ${JSON.stringify(file)} to be epoch milliseconds or an ISO date, got ${JSON.stringify(time)}.`);
    rows.push([t, ...values.map((v) => (v === '' ? NaN : Number(v)))] as CandleRow);
  });
  if (rows.length === 0) throw invalid(`${JSON.stringify(file)} holds no candles.`);
  const timeframe = validTimeframe(options.timeframe ?? inferTimeframe(rows, file));
  return { exchange: options.exchange, symbol: options.pair, timeframe, rows };
}

const timeframes = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w'];

function inferTimeframe(rows: CandleRow[], file: string): string {
  const times = rows.map((r) => r[0]).sort((a, b) => a - b);
  let step = Infinity;
  for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! > 0) step = Math.min(step, times[i]! - times[i - 1]!);
  const found = timeframes.find((tf) => timeframeMs(tf) === step);
  if (!found) throw invalid(`Cannot tell the timeframe of ${JSON.stringify(file)} from its times: give --timeframe TF.`);
  return found;
}

function validTimeframe(timeframe: string): string {
  try {
    timeframeMs(timeframe);
  } catch {
    throw invalid(`Expected --timeframe to be a timeframe such as 1m, 15m, 1h or 1d, got ${JSON.stringify(timeframe)}.`);
  }
  return timeframe;
}

function checkRows({ rows, timeframe }: Parsed): void {
  const span = timeframeMs(timeframe);
  rows.forEach(([t, o, h, l, c, v], i) => {
    const where = `candle ${i + 1} (${Number.isFinite(t) ? new Date(t).toISOString() : 'no time'})`;
    if (![t, o, h, l, c, v].every(Number.isFinite)) throw invalid(`Expected ${where} to hold six numbers, got ${JSON.stringify([t, o, h, l, c, v])}.`);
    if (t % span !== 0) throw invalid(`Expected ${where} to open on a ${timeframe} boundary.`);
    if (!(l > 0) || h < Math.max(o, c, l) || l > Math.min(o, c) || v < 0) throw invalid(`Expected ${where} to have low <= open, close <= high, prices above 0 and volume >= 0, got ${JSON.stringify([o, h, l, c, v])}.`);
  });
}
