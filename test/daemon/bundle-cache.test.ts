// The bundle cache does not grow for ever: botd removes builds nothing has used for two weeks, and every use of a
// cached build keeps it. Real files, real mtimes, a real botd.
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleBot } from '../../src/bots/bundle.js';
import { maxIdleDays, pruneBundleCache } from '../../src/bots/bundle-cache.js';
import { homePaths } from '../../src/home.js';
import { useTemporaryHomes } from '../support/home.js';
import { startBotd, useBotdHomes } from './botd.js';
import { fixtureBots } from './helpers.js';

const freshHome = useTemporaryHomes();
const botdHome = useBotdHomes();
const dayMs = 24 * 60 * 60 * 1000;

function fileAged(path: string, days: number, bytes = 100): void {
  writeFileSync(path, 'x'.repeat(bytes));
  const at = new Date(Date.now() - days * dayMs);
  utimesSync(path, at, at);
}

describe('bundle cache pruning', () => {
  it(`removes the files nothing has used for ${maxIdleDays} days, keeps the rest and any folder`, () => {
    const cache = homePaths(freshHome()).bundleCache;
    mkdirSync(join(cache, 'a-folder'), { recursive: true });
    fileAged(join(cache, 'old.mjs'), maxIdleDays + 1, 300);
    fileAged(join(cache, 'runtime-old.blob'), 400, 2000);
    fileAged(join(cache, 'half-written.mjs.123.abcd.tmp'), maxIdleDays + 0.1, 50);
    fileAged(join(cache, 'recent.cjs'), maxIdleDays - 1);
    fileAged(join(cache, 'today.mjs'), 0);

    expect(pruneBundleCache(cache)).toEqual({ removed: 3, bytes: 2350 });
    expect(readdirSync(cache).sort()).toEqual(['a-folder', 'recent.cjs', 'today.mjs']);
    // Nothing left to remove; a cache that does not exist yet has nothing to prune.
    expect(pruneBundleCache(cache)).toEqual({ removed: 0, bytes: 0 });
    expect(pruneBundleCache(join(cache, 'missing'))).toEqual({ removed: 0, bytes: 0 });
  });

  it('keeps a build that is used again, however old it was: each use refreshes it', async () => {
    const cache = homePaths(freshHome()).bundleCache;
    const source = join(fixtureBots, 'noop.ts');
    const { path } = await bundleBot(source, cache);
    const old = new Date(Date.now() - (maxIdleDays + 5) * dayMs);
    utimesSync(path, old, old);

    const again = await bundleBot(source, cache);
    expect(again.path).toBe(path);
    expect(Date.now() - statSync(path).mtimeMs).toBeLessThan(dayMs);
    expect(pruneBundleCache(cache).removed).toBe(0);
    expect(existsSync(path)).toBe(true);
  });

  it('is pruned by botd when it starts, and says so', async () => {
    const home = botdHome();
    const cache = homePaths(home).bundleCache;
    mkdirSync(cache, { recursive: true });
    fileAged(join(cache, 'stale.mjs'), maxIdleDays + 2, 1024 * 1024);
    fileAged(join(cache, 'fresh.mjs'), 1);

    const botd = startBotd(home);
    const pruned = await botd.waitFor('the cache pruned', (l) => l.msg === 'bundle cache pruned');
    expect(pruned).toMatchObject({ level: 'info', removed: 1, freed_mb: 1, idle_days: maxIdleDays });
    await botd.waitFor('start-up', (l) => l.msg === 'botd started');
    expect(readdirSync(cache)).toEqual(['fresh.mjs']);
    botd.kill('SIGTERM');
    expect((await botd.exit).exitCode).toBe(0);
  });
});
