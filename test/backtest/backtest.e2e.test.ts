// `botctl backtest` through the real bin: the bot's own code in one sandboxed child, a simulated clock, market data
// that ends at the slot, the risk guard and paper fills; stored reports; nothing in the run tables.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BacktestReport } from '../../src/backtest/report.js';
import { botctl } from '../support/cli.js';
import { useTemporaryHomes } from '../support/home.js';
import { haveRealCandles, realCandles, realCandlesDir } from '../support/real-candles.js';

const newHome = useTemporaryHomes();
const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', name);

describe.skipIf(!haveRealCandles)('botctl backtest on real BTC/USDT 1m candles', () => {
  let home: string;
  const rows = haveRealCandles ? realCandles('tradingsignals-1m', 'binance-BTCUSDT-1m.json').rows : [];
  const rowAt = (t: number) => rows.find((r) => r[0] === t)!;
  const backtest = async (args: string[]) => {
    const result = await botctl(home, ['backtest', ...args, '--json']);
    return { ...result, report: result.json as BacktestReport };
  };

  beforeAll(async () => {
    home = newHome();
    const imported = await botctl(home, ['data', 'import', join(realCandlesDir, 'tradingsignals-1m', 'binance-BTCUSDT-1m.json')]);
    expect(imported.exitCode, imported.stderr).toBe(0);
    for (const [template, exchange] of [['simple_sma_bot', 'binance'], ['binance_futures_bot', 'binanceusdm'], ['binance_signals_bot', 'binance']]) {
      expect((await botctl(home, ['create', '--template', template!, '--name', template!, '--exchange', exchange!])).exitCode).toBe(0);
    }
    expect((await botctl(home, ['upload', fixture('backtest/time_probe.ts'), '--name', 'probe', '--exchange', 'binance'])).exitCode).toBe(0);
    expect((await botctl(home, ['upload', fixture('backtest/bends_engine.ts'), '--name', 'bender', '--exchange', 'binance'])).exitCode).toBe(0);
    expect((await botctl(home, ['upload', fixture('backtest/forges_calls.ts'), '--name', 'forger', '--exchange', 'binance'])).exitCode).toBe(0);
    expect((await botctl(home, ['upload', fixture('backtest/hides_calls.ts'), '--name', 'hider', '--exchange', 'binance'])).exitCode).toBe(0);
    expect((await botctl(home, ['upload', fixture('custom/counter_bot.ts'), '--name', 'counter', '--exchange', 'binance'])).exitCode).toBe(0);
    expect((await botctl(home, ['upload', fixture('custom/counter_bot_v2.ts'), '--bot', 'counter'])).exitCode).toBe(0);
  });

  it('runs a spot template at every slot, trading through the paper fill engine', async () => {
    const { exitCode, stderr, report } = await backtest(['simple_sma_bot', '--pair', 'BTC/USDT', '--from', '2021-02-19T02:00', '--to', '2021-02-22', '--config', '{"timeframe":"15m","fast":5,"slow":20}']);
    expect(exitCode, stderr).toBe(0);
    expect(report.slots).toMatchObject({ every: '15m', count: 280, run: 280, failed: 0, skipped: 0 });
    expect(report.metrics.trades).toBeGreaterThan(2);
    expect(report.orders.every((o) => o.type === 'market' && o.status === 'closed')).toBe(true);
    // Fees: the market's taker fee (0.1 %) on every fill.
    const notional = report.trades.reduce((s, t) => s + t.amount * (t.entryPrice + (t.exitPrice ?? 0)), 0);
    expect(report.metrics.feesPaid).toBeCloseTo(notional * 0.001, 0);
    expect(report.equity[0]).toMatchObject({ time: Date.parse('2021-02-19T02:00Z'), equity: 10_000 });
    expect(readFileSync(report.chart, 'utf8')).toMatch(/^<svg[\s\S]*drawdown[\s\S]*<\/svg>\n$/);
  });

  it('runs a futures template: market entry, stop and take-profit resting, filled from later candles', async () => {
    const { exitCode, stderr, report } = await backtest(['binance_futures_bot', '--pair', 'BTC/USDT:USDT', '--from', '2021-02-21', '--to', '2021-02-26', '--every', '15m']);
    expect(exitCode, stderr).toBe(0);
    expect(report.slots.failed).toBe(0);
    expect(new Set(report.orders.map((o) => o.type))).toEqual(new Set(['market', 'stop_market', 'take_profit_market']));
    expect(report.trades.filter((t) => t.exitTime !== null).length).toBeGreaterThan(0);
  });

  it('shows the bot a simulated clock and nothing of the future', async () => {
    const { exitCode, stderr, report } = await backtest(['probe', '--pair', 'BTC/USDT', '--from', '2021-02-20T10:00', '--to', '2021-02-20T10:05', '--every', '1m']);
    expect(exitCode, stderr).toBe(0);
    const seen = report.state['seen'] as { slot: number; before: number; created: number; afterTimer: number; future: number; lastOpen: number; reached: number; last: number; forming: number[] }[];
    expect(seen.map((s) => s.slot)).toEqual([0, 1, 2, 3, 4].map((i) => Date.parse('2021-02-20T10:00Z') + i * 60_000));
    for (const s of seen) {
      const row = rowAt(s.slot);
      expect(s).toMatchObject({ before: s.slot, created: s.slot, afterTimer: s.slot + 30_000 });
      // Asked from one minute ahead: nothing. Asked for 1,000 from two minutes back: three, the last forming at its open.
      expect(s.future).toBe(0);
      expect(s.reached).toBe(3);
      expect(s.forming).toEqual([s.slot, row[1], row[1], row[1], row[1], 0]);
      expect(s.last).toBe(row[1]);
    }
  });

  it('reports a slot that throws and carries on; --fail-fast stops there', async () => {
    const args = ['probe', '--pair', 'BTC/USDT', '--from', '2021-02-20T10:00', '--to', '2021-02-20T10:05', '--every', '1m', '--config', '{"throwAt":"2021-02-20T10:02:00.000Z"}'];
    const { report } = await backtest(args);
    expect(report.slots).toMatchObject({ run: 5, failed: 1 });
    expect(report.failures).toEqual([{ slot: 2, time: Date.parse('2021-02-20T10:02Z'), error: 'boom at 2021-02-20T10:02:00.000Z' }]);
    expect((report.state['seen'] as unknown[]).length).toBe(4);
    const stopped = (await backtest([...args, '--fail-fast'])).report;
    expect(stopped.slots).toMatchObject({ run: 3, failed: 1 });
  });

  it('runs an uploaded version chosen with --version, carrying ctx.state across slots', async () => {
    const v1 = (await backtest(['counter', '--pair', 'BTC/USDT', '--from', '2021-02-20T10:00', '--to', '2021-02-20T11:00', '--every', '5m', '--version', '1'])).report;
    expect(v1.bot.version).toBe(1);
    expect(v1.state).toEqual({ runs: 12 });
    expect(v1.log_tail.at(-1)).toContain('counter_bot v1, run 12');
    const newest = (await backtest(['counter', '--pair', 'BTC/USDT', '--from', '2021-02-20T10:00', '--to', '2021-02-20T11:00', '--every', '5m'])).report;
    expect(newest.bot.version).toBe(2);
    expect(newest.log_tail.at(-1)).toContain('v2');
  });

  it('writes nothing to subscriptions, runs or orders, and lists and shows stored backtests', async () => {
    for (const command of ['subscriptions', 'runs', 'orders']) expect((await botctl(home, [command, '--json'])).json).toEqual([]);
    const listed = (await botctl(home, ['backtests', '--json'])).json as { id: number; bot: string }[];
    expect(listed.length).toBeGreaterThanOrEqual(5);
    const shown = await botctl(home, ['backtest', 'show', String(listed[0]!.id), '--json']);
    expect((shown.json as BacktestReport).id).toBe(listed[0]!.id);
    expect((await botctl(home, ['backtests'])).stdout).toContain('simple_sma_bot');
  });

  it('sweeps a grid across the cores, ranks it in sample and runs the best out of sample', async () => {
    const result = await botctl(home, ['backtest', 'simple_sma_bot', '--pair', 'BTC/USDT', '--from', '2021-02-19T06:00', '--to', '2021-02-23',
      '--config', '{"timeframe":"15m"}', '--sweep', 'fast=5..13:8,slow=13..30:17', '--holdout', '25%', '--metric', 'return', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const sweep = result.json as { grid: number; metric: string; best: { config: Record<string, number>; inSample: { totalReturnPct: number }; outOfSample: { totalReturnPct: number } | null }[]; rejected: { config: Record<string, number>; error: string }[]; inSample: { to: number }; outOfSample: { from: number } };
    expect(sweep.grid).toBe(4);
    // fast=13, slow=13 breaks the bot's own rule (fast < slow): rejected by its schema, not run.
    expect(sweep.rejected.map((r) => r.config)).toEqual([{ timeframe: '15m', fast: 13, slow: 13 }]);
    expect(sweep.rejected[0]!.error).toContain('fast must be shorter than slow');
    expect(sweep.best).toHaveLength(3);
    const returns = sweep.best.map((b) => b.inSample.totalReturnPct);
    expect(returns).toEqual([...returns].sort((a, b) => b - a));
    expect(sweep.best.every((b) => b.outOfSample !== null)).toBe(true);
    expect(sweep.outOfSample.from).toBe(sweep.inSample.to);
    expect(sweep.inSample.to).toBe(Date.parse('2021-02-19T06:00Z') + 0.75 * (Date.parse('2021-02-23T00:00Z') - Date.parse('2021-02-19T06:00Z')));
  });

  it('stops a backtest whose bot bent the engine in its own process, storing nothing', async () => {
    const before = (await botctl(home, ['backtests', '--json'])).json as unknown[];
    const { exitCode, stderr } = await botctl(home, ['backtest', 'bender', '--pair', 'BTC/USDT', '--from', '2021-02-20T10:00', '--to', '2021-02-20T10:03', '--every', '1m']);
    expect(exitCode, stderr).toBe(1);
    expect(stderr).toMatch(/stopped at slot 0 \(2021-02-20T10:00:00.000Z\): createOrder was answered in the bot's process otherwise than by botctl's own paper engine, which said \{"info":\{\},"id":"1"/);
    expect(stderr).toMatch(/Nothing was stored/);
    expect((await botctl(home, ['backtests', '--json'])).json).toEqual(before);
  });

  it('stops a backtest whose bot writes a forged batch of calls to its channel, storing nothing', async () => {
    const before = (await botctl(home, ['backtests', '--json'])).json as unknown[];
    const { exitCode, stderr } = await botctl(home, ['backtest', 'forger', '--pair', 'BTC/USDT', '--from', '2021-02-20T10:00', '--to', '2021-02-20T10:03', '--every', '1m']);
    expect(exitCode, stderr).toBe(1);
    // Whether it is stopped before or after its result arrives, the message names why.
    expect(stderr).toMatch(/the child sent a malformed call record/);
    expect((await botctl(home, ['backtests', '--json'])).json).toEqual(before);
  });

  it('stops a backtest whose bot writes a line that is JSON but no message (null), where botctl once threw', async () => {
    const { exitCode, stderr } = await botctl(home, ['backtest', 'forger', '--pair', 'BTC/USDT', '--from', '2021-02-20T10:00', '--to', '2021-02-20T10:03', '--every', '1m', '--config', '{"line":"null"}']);
    expect(exitCode, stderr).toBe(1);
    expect(stderr).toMatch(/the child sent a line that is not a message/);
  });

  it('stops a backtest whose bot writes half a line to its channel to swallow its last batch of calls', async () => {
    const before = (await botctl(home, ['backtests', '--json'])).json as unknown[];
    const { exitCode, stderr } = await botctl(home, ['backtest', 'hider', '--pair', 'BTC/USDT', '--from', '2021-02-20T10:00', '--to', '2021-02-20T10:03', '--every', '1m', '--config', '{"last":"2021-02-20T10:02:00.000Z"}']);
    expect(exitCode, stderr).toBe(1);
    expect(stderr).toMatch(/the child sent a line that is not JSON/);
    expect((await botctl(home, ['backtests', '--json'])).json).toEqual(before);
  });

  it('refuses bad input with exit 2, storing nothing', async () => {
    const before = ((await botctl(home, ['backtests', '--json'])).json as unknown[]).length;
    const cases: [string[], RegExp][] = [
      [['simple_sma_bot', '--pair', 'BTC/USDT', '--from', '2021-02-22', '--to', '2021-02-21'], /--from/],
      [['simple_sma_bot', '--pair', 'SOL/USDT', '--from', '2021-02-20', '--to', '2021-02-21'], /No stored candles for SOL\/USDT/],
      [['simple_sma_bot', '--pair', 'BTC/USDT', '--from', '2021-02-20', '--to', '2021-03-21'], /cover/],
      [['simple_sma_bot', '--pair', 'BTC/USDT', '--from', '2021-02-20', '--to', '2021-02-21', '--every', 'often'], /--every/],
      [['simple_sma_bot', '--pair', 'BTC/USDT', '--from', '2021-02-20', '--to', '2021-02-21', '--config', '{"fast":50,"slow":10}'], /fast/],
      [['simple_sma_bot', '--pair', 'BTC/USDT', '--from', '2021-02-20', '--to', '2021-02-21', '--balance', 'lots'], /--balance/],
    ];
    for (const [args, message] of cases) {
      const result = await botctl(home, ['backtest', ...args]);
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(((await botctl(home, ['backtests', '--json'])).json as unknown[]).length).toBe(before);
  });
});
