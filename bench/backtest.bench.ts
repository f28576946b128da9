// Item 6 of issue 11: the backtest's costs, measured in this run.
//   1. simple_sma_bot on 1m candles, one execution per candle, over a year of synthetic 1m candles (525,600): executions
//      per second in the child (goal >= 100,000/s);
//   2. the overhead ratio: the backtest's time in the child against the same decisions in a plain loop over the same
//      candles in this process (SMA crossover on the closed candles of each minute, no sandbox, no ctx, no orders);
//   3. the child's peak RSS over that year (target < 200 MB);
//   4. the candle store: reading the year from its columnar file against a SQLite table of the same rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runBacktest } from '../src/backtest/run-backtest.js';
import { createTemplateBot } from '../src/bots/create-template-bot.js';
import { openDatabase } from '../src/db/open.js';
import { emptySeries } from '../src/market-data/candle-series.js';
import { CandleStore } from '../src/market-data/candle-store.js';
import { ohlcvAt } from '../src/market-data/candle-view.js';
import { closedCandles, closes, crossoverAction, smaCrossover, toCandles } from '../src/sdk/index.js';
import { validateRiskConfig } from '../src/subscriptions/risk-config.js';
import type { BenchRow } from './index.js';

const minute = 60_000;
// BENCH_BACKTEST_DAYS shortens the period (the RSS target is for the whole year).
const year = Math.round(Number(process.env['BENCH_BACKTEST_DAYS'] ?? 365) * 1440);
const start = Date.UTC(2023, 0, 1);

export async function run(): Promise<BenchRow[]> {
  const home = mkdtempSync(join(tmpdir(), 'botctl-bench-backtest-'));
  try {
    const series = syntheticYear();
    new CandleStore(home).write('binance', 'BTC/USDT', series);
    const connection = await openDatabase(home);
    try {
      await createTemplateBot(connection.db, { name: 'sma', template: 'simple_sma_bot', developer: 'bench', exchange: 'binance' });
      const config = { timeframe: '1m', fast: 9, slow: 21 };
      const report = await runBacktest(home, connection, {
        bot: 'sma', pair: 'BTC/USDT', from: start + 30 * minute, to: start + year * minute, every: '1m', config, risk: validateRiskConfig({}), save: false,
      });
      const plainMs = plainLoop(series, config.fast, config.slow);
      const perSecond = report.timing.slots_per_second;
      return [
        { name: 'simple_sma_bot, 1m candles: executions per second (child)', value: perSecond, unit: '/s', target: '>= 100000', pass: perSecond >= 100_000 },
        { name: `  (${report.slots.run} executions, ${report.metrics.orders} orders, wall ${report.timing.wall_ms} ms)`, value: report.timing.loop_ms, unit: 'ms', target: 'context', pass: true },
        { name: 'overhead: backtest child time / plain loop of the same decisions', value: report.timing.loop_ms / plainMs, unit: 'x', target: 'context', pass: true },
        { name: `child peak RSS over ${year} 1m candles (a year: 525600)`, value: report.timing.child_peak_rss_mb, unit: 'MB', target: '< 200', pass: report.timing.child_peak_rss_mb < 200 },
        ...storeRows(home, series),
      ];
    } finally {
      await connection.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

// A seeded random walk with volatility regimes: only the cost is measured here, not the strategy.
function syntheticYear() {
  const series = emptySeries('1m', year);
  let seed = 20230101;
  const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  let price = 30_000;
  for (let i = 0; i < year; i++) {
    const open = price;
    const sigma = 0.0006 * (1 + Math.sin(i / 5000));
    price = open * (1 + (random() - 0.5) * 2 * sigma * Math.sqrt(3));
    series.time[i] = start + i * minute;
    series.open[i] = Number(open.toFixed(2));
    series.close[i] = Number(price.toFixed(2));
    series.high[i] = Number((Math.max(open, price) * (1 + random() * 0.0004)).toFixed(2));
    series.low[i] = Number((Math.min(open, price) * (1 - random() * 0.0004)).toFixed(2));
    series.volume[i] = Number((random() * 20).toFixed(3));
  }
  return series;
}

// The decisions simple_sma_bot makes at each minute, computed directly: the same candles and SDK helpers.
function plainLoop(series: ReturnType<typeof syntheticYear>, fast: number, slow: number): number {
  const began = performance.now();
  let holding = false;
  for (let i = 30; i < year; i++) {
    const now = start + i * minute;
    const candles = toCandles(ohlcvAt(series, '1m', undefined, slow + 3, now));
    const action = crossoverAction(smaCrossover(closes(closedCandles(candles, '1m', now)), fast, slow), holding);
    if (action === 'buy') holding = true;
    else if (action === 'sell') holding = false;
  }
  return Math.max(1, performance.now() - began);
}

function storeRows(home: string, series: ReturnType<typeof syntheticYear>): BenchRow[] {
  const store = new CandleStore(home);
  const columnar = best(() => store.read('binance', 'BTC/USDT', '1m')?.length);
  const db = new Database(join(home, 'candles.sqlite'));
  db.exec('CREATE TABLE candles (exchange TEXT, symbol TEXT, timeframe TEXT, time INTEGER, open REAL, high REAL, low REAL, close REAL, volume REAL, PRIMARY KEY (exchange, symbol, timeframe, time)) WITHOUT ROWID');
  const insert = db.prepare('INSERT INTO candles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < series.length; i++) insert.run('binance', 'BTC/USDT', '1m', series.time[i], series.open[i], series.high[i], series.low[i], series.close[i], series.volume[i]);
  })();
  const select = db.prepare('SELECT time, open, high, low, close, volume FROM candles WHERE exchange = ? AND symbol = ? AND timeframe = ? ORDER BY time').raw();
  const sqlite = best(() => {
    const rows = select.all('binance', 'BTC/USDT', '1m') as number[][];
    const out = emptySeries('1m', rows.length);
    rows.forEach((r, i) => (['time', 'open', 'high', 'low', 'close', 'volume'] as const).forEach((c, j) => (out[c][i] = r[j] ?? 0)));
    return out.length;
  });
  db.close();
  return [
    { name: 'candle store: read a year of 1m candles, columnar file', value: columnar, unit: 'ms', target: 'context', pass: true },
    { name: 'candle store: SQLite table / columnar file (read time)', value: sqlite / columnar, unit: 'x', target: '> 1 (columnar chosen)', pass: sqlite > columnar },
  ];
}

function best(read: () => unknown): number {
  let fastest = Infinity;
  for (let i = 0; i < 3; i++) {
    const began = performance.now();
    read();
    fastest = Math.min(fastest, performance.now() - began);
  }
  return fastest;
}
