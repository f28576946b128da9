// A sweep runs one long-lived sandboxed child per core, config after config, and each config's result is the one it
// gets backtested alone: nothing of one config's run (module-level variables included) reaches the next.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/run-backtest.js';
import { bundleBot } from '../../src/bots/bundle.js';
import { childStart, childStartBuilds, prepareRuntimeSnapshot } from '../../src/daemon/child-start.js';
import { defaultHeapMb } from '../../src/daemon/defaults.js';
import { silentLogger } from '../../src/daemon/log.js';
import { homePaths } from '../../src/home.js';
import { runSweep } from '../../src/backtest/sweep.js';
import { backtestArg } from '../../src/runtime/protocol.js';
import { validateRiskConfig } from '../../src/subscriptions/risk-config.js';
import { makeBot } from '../support/fixtures.js';
import { useRealCandleHome } from './real-candle-home.js';
import { haveRealCandles, noRealCandles } from '../support/real-candles.js';

const fixtureTemplates = fileURLToPath(new URL('../fixtures/backtest', import.meta.url));

/** The backtest children this process spawned, seen in /proc as they live: their pids. */
function watchChildren(): { stop(): Set<number> } {
  const seen = new Set<number>();
  const look = () => {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(backtestArg)) seen.add(Number(entry));
      } catch {
        // Gone between the listing and the read.
      }
    }
  };
  const timer = setInterval(look, 20);
  return { stop: () => (clearInterval(timer), look(), seen) };
}

describe.skipIf(!haveRealCandles)('a sweep', () => {
  const world = useRealCandleHome();

  async function sweepMatchesAlone(name: string): Promise<void> {
    const bot = await makeBot(world.db, name, { template: 'module_memory', exchange: 'binance' });
    const base = { bot: String(bot.id), pair: 'BTC/USDT', from: Date.parse('2021-02-20T00:00Z'), to: Date.parse('2021-02-20T08:00Z'), every: '30m', config: {}, risk: validateRiskConfig({}) };
    const axes = [{ name: 'amount', values: [0.01, 0.02, 0.03, 0.04, 0.05] }];
    const watch = watchChildren();
    const sweep = await runSweep(world.home, world.connection, base, axes, 0.25, 'return', 5);
    const pids = watch.stop();

    const cores = Math.min(availableParallelism(), axes[0]!.values.length);
    expect(pids.size).toBe(cores);
    expect(sweep.children).toBe(cores);
    expect(sweep.rejected).toEqual([]);
    expect(sweep.best).toHaveLength(5);
    for (const row of sweep.best) {
      const inSample = await runBacktest(world.home, world.connection, { ...base, config: row.config, to: sweep.inSample.to, save: false });
      const outOfSample = await runBacktest(world.home, world.connection, { ...base, config: row.config, from: sweep.outOfSample!.from, save: false });
      // A leaked module variable would have kept every config after a child's first from buying.
      expect(inSample.metrics.orders).toBe(1);
      expect(row.inSample).toEqual(inSample.metrics);
      expect(row.outOfSample).toEqual(outOfSample.metrics);
    }
  }

  it('runs one child per core, config after config, each with the result it gets alone (children from the bundle)', async () => {
    process.env['BOTCTL_BOT_FILES'] = fixtureTemplates;
    const bundle = await bundleBot(join(fixtureTemplates, 'module_memory.ts'), homePaths(world.home).bundleCache);
    expect(childStart(bundle, { cacheDir: homePaths(world.home).bundleCache, heapMb: defaultHeapMb, log: silentLogger }).snapshot).toBe(false);
    await sweepMatchesAlone('module_memory');
  });

  it('does the same with children started from the runtime snapshot (the bot module evaluated again)', async () => {
    process.env['BOTCTL_BOT_FILES'] = fixtureTemplates;
    const options = { cacheDir: homePaths(world.home).bundleCache, heapMb: defaultHeapMb, log: silentLogger };
    const bundle = await bundleBot(join(fixtureTemplates, 'module_memory.ts'), options.cacheDir);
    childStart(bundle, options);
    await childStartBuilds();
    expect(await prepareRuntimeSnapshot(options)).toBe(true);
    expect(childStart(bundle, options).snapshot).toBe(true);
    await sweepMatchesAlone('module_memory_2');
  });
});

if (!haveRealCandles) it.skip(noRealCandles, () => {});
