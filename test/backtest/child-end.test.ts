// A backtest's child ends when its results are in: killed at once, as botd kills a run's child at its result, so
// that nothing the bot left behind (a timer, an exit handler) runs, prints or takes the CPU after it.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBacktest, type ChildLane } from '../../src/backtest/run-backtest.js';
import { processAlive } from '../../src/daemon/process-group.js';
import { validateRiskConfig } from '../../src/subscriptions/risk-config.js';
import { makeBot } from '../support/fixtures.js';
import { haveRealCandles, noRealCandles } from '../support/real-candles.js';
import { useRealCandleHome } from './real-candle-home.js';

const fixtureTemplates = fileURLToPath(new URL('../fixtures/backtest', import.meta.url));

describe.skipIf(!haveRealCandles)("a backtest's child", () => {
  const world = useRealCandleHome();

  it('is killed once its results are in: an exit handler the bot left never runs', async () => {
    process.env['BOTCTL_BOT_FILES'] = fixtureTemplates;
    const bot = await makeBot(world.db, 'exit_handler', { template: 'exit_handler', exchange: 'binance' });
    // A sweep's lane keeps the child after its run, so the test can end it and read how it ended.
    const lane: ChildLane = { started: 0 };
    const report = await runBacktest(world.home, world.connection, {
      bot: String(bot.id), pair: 'BTC/USDT', from: Date.parse('2021-02-20T00:00Z'), to: Date.parse('2021-02-20T01:00Z'), every: '15m', config: {}, risk: validateRiskConfig({}), save: false,
    }, lane);
    expect(report.slots.run).toBe(4);
    const pid = lane.child!.pid!;
    const end = await lane.child!.close();
    expect(end.output).toContain('slot 2021-02-20T00:45:00.000Z ran');
    expect(end.output).not.toContain('an exit handler ran');
    expect(end.signal).toBe('SIGKILL');
    expect(processAlive(pid)).toBe(false);
  });

  it('is stopped when it sends nothing for too long: a slot that never ends does not hold the backtest forever', async () => {
    process.env['BOTCTL_BOT_FILES'] = fixtureTemplates;
    const bot = await makeBot(world.db, 'spins', { template: 'spins', exchange: 'binance' });
    const run = runBacktest(world.home, world.connection, {
      bot: String(bot.id), pair: 'BTC/USDT', from: Date.parse('2021-02-20T00:00Z'), to: Date.parse('2021-02-20T01:00Z'), every: '15m', config: {}, risk: validateRiskConfig({}), silenceMs: 1_500,
    });
    await expect(run).rejects.toMatchObject({ code: 'runtime_failure', message: expect.stringMatching(/without a result \(it sent nothing for 1.5 s: a slot that never ends\?\)/) });
  });
});

if (!haveRealCandles) it.skip(noRealCandles, () => {});
