// Children started from the runtime's V8 startup snapshot: built in the background on first need, then used by
// every run; a bot the snapshot cannot carry, or a snapshot that cannot be built, leaves runs on the bundles.
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bundleBot, bundleBotModule } from '../../src/bots/bundle.js';
import { childStart, childStartBuilds } from '../../src/daemon/child-start.js';
import type { LogFields, Logger } from '../../src/daemon/log.js';
import { runExecution, type RunnerOptions } from '../../src/daemon/runner.js';
import { homePaths } from '../../src/home.js';
import { useTemporaryDatabase } from '../support/database.js';
import { addBot, addSubscription, fixtureBots, runsOf } from './helpers.js';

process.env.BOTCTL_BOT_FILES = fixtureBots;

type Line = LogFields & { level: string; msg: string };
const lines: Line[] = [];
const log: Logger = {
  debug: (msg, fields) => lines.push({ level: 'debug', msg, ...fields }),
  info: (msg, fields) => lines.push({ level: 'info', msg, ...fields }),
  warn: (msg, fields) => lines.push({ level: 'warn', msg, ...fields }),
  error: (msg, fields) => lines.push({ level: 'error', msg, ...fields }),
};

const database = useTemporaryDatabase();
let options: RunnerOptions;
beforeAll(() => {
  options = { home: database.home, connection: database.connection, killGraceMs: 300, log };
});
// Nothing is left building in the home when it is removed.
afterAll(childStartBuilds);

let clock = Date.now();
const slot = () => new Date((clock = Math.max(clock + 1, Date.now()))).toISOString();

async function run(sub: number) {
  const report = await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
  const started = lines.filter((l) => l.msg === 'run started' && l.run_id === report.runId);
  expect(started).toHaveLength(1);
  return { report, start: started[0]?.child_start };
}

describe('children started from the runtime snapshot', () => {
  it('starts from the bundle until the snapshot is built, then from the snapshot: state, signals and log as before', async () => {
    const { db } = database;
    const sub = await addSubscription(db, await addBot(db, 'counter'), { config: { step: 2 } });
    const first = await run(sub);
    expect(first).toMatchObject({ report: { status: 'succeeded' }, start: 'bundle' });
    await childStartBuilds();
    expect(lines.filter((l) => l.msg === 'runtime snapshot built')).toHaveLength(1);

    const second = await run(sub);
    expect(second).toMatchObject({ report: { status: 'succeeded', error: null }, start: 'snapshot' });
    const third = await run(sub);
    expect(third).toMatchObject({ report: { status: 'succeeded' }, start: 'snapshot' });

    const state = await db.selectFrom('bot_state').selectAll().where('subscription_id', '=', sub).executeTakeFirstOrThrow();
    expect(JSON.parse(state.state)).toEqual({ count: 6 });
    const runs = await runsOf(db, sub);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(runs[1]?.log_tail).toContain('INFO count is 4 {"pair":"BTC/USDT:USDT"}');
    expect(runs[2]?.log_tail).toContain('INFO count is 6');
    const signals = await db.selectFrom('signals').selectAll().where('subscription_id', '=', sub).orderBy('id').execute();
    expect(signals.map((s) => [s.action, s.symbol, (JSON.parse(s.payload) as { reason?: string }).reason])).toEqual([
      ['hold', 'BTC/USDT:USDT', 'run 2'],
      ['hold', 'BTC/USDT:USDT', 'run 4'],
      ['hold', 'BTC/USDT:USDT', 'run 6'],
    ]);
    // Nothing but the finished files is left in the cache: no temporary entry or blob.
    expect(readdirSync(homePaths(database.home).bundleCache).filter((f) => f.endsWith('.tmp') || /\.\d+\.[0-9a-f]+\.cjs$/.test(f))).toEqual([]);
  });

  it('reports a failing bot, an invalid config and a typed exchange error as the bundle does', async () => {
    const { db } = database;
    for (const fixture of ['throws', 'exchange']) {
      const sub = await addSubscription(db, await addBot(db, fixture));
      await run(sub);
      await childStartBuilds();
      const { report, start } = await run(sub);
      expect(start).toBe('snapshot');
      if (fixture === 'throws') {
        expect(report).toMatchObject({ status: 'failed', error: 'boom: the strategy gave up' });
        expect((await runsOf(db, sub))[1]?.log_tail).toContain('about to throw');
        // From the bundle (first run) and from the bot module (second), the stack is the bot's own lines only.
        for (const row of await runsOf(db, sub)) {
          expect(row.log_tail).toMatch(/about to throw\n {4}at Object\.execute \(bot_files\/throws\.ts:12:11\)\n$/);
        }
      } else {
        expect(report.status).toBe('failed');
        expect(report.error).toMatch(/^ExchangeNotAvailable: .*fetchTicker/);
      }
    }
    const sub = await addSubscription(db, await addBot(db, 'counter'), { config: { step: 'two' } });
    const { report, start } = await run(sub);
    expect(start).toBe('snapshot');
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/config is invalid[\s\S]*step/);
  });

  it('sandboxes a snapshot-started child as any other: it cannot read the database, the snapshot or its bundle, nor spawn', async () => {
    const { db } = database;
    const cache = homePaths(database.home).bundleCache;
    const blob = readdirSync(cache).find((f) => f.startsWith('runtime-') && f.endsWith('.blob'));
    expect(blob).toBeDefined();
    const bundles = readdirSync(cache).filter((f) => f.endsWith('.mjs'));
    for (const path of [homePaths(database.home).database, join(cache, blob ?? ''), join(cache, bundles[0] ?? '')]) {
      const bot = await addBot(db, 'probe');
      const sub = await addSubscription(db, bot, { config: { path } });
      await run(sub);
      await childStartBuilds();
      const { report, start } = await run(sub);
      expect(start).toBe('snapshot');
      expect(report.status).toBe('succeeded');
      const tail = (await runsOf(db, sub))[1]?.log_tail ?? '';
      expect(tail).toContain('read: ERR_ACCESS_DENIED');
      expect(tail).toContain('spawn: ERR_ACCESS_DENIED');
      // The sandbox's environment and malloc's settings for reading the snapshot (child-start.ts), nothing of botd's.
      // bwrap sets PWD (to /, its working directory inside the sandbox) whatever it is given.
      expect((JSON.parse(/env (\[.*\])/.exec(tail)?.[1] ?? 'null') as string[]).filter((name) => name !== 'PWD')).toEqual(['GLIBC_TUNABLES', 'LANG', 'NODE_ENV', 'TZ']);
      // No warning of Node's reaches the bot's output (the sandbox and vm's loader are both experimental).
      expect(tail).not.toContain('Warning');
    }
  });

  it('runs a bot the snapshot cannot carry (top-level await) from its bundle, and says why once', async () => {
    const { db } = database;
    const sub = await addSubscription(db, await addBot(db, 'top-level-await'));
    for (let i = 0; i < 3; i++) {
      const { report, start } = await run(sub);
      expect(report.status).toBe('succeeded');
      expect(start).toBe('bundle');
      await childStartBuilds();
    }
    const runs = await runsOf(db, sub);
    expect(runs.every((r) => r.log_tail?.includes('INFO awaited at the top level'))).toBe(true);
    const why = lines.filter((l) => l.msg === 'this bot starts from its bundle, not the runtime snapshot');
    expect(why).toHaveLength(1);
    expect(why[0]?.reason).toMatch(/top-level await/i);
  });

  it('puts in a bot module only the bot and what it uses of the SDK: zod, the runtime and the errors come from the snapshot', async () => {
    const cache = homePaths(database.home).bundleCache;
    const withIndicator = join(database.home, 'ema_bot.ts');
    writeFileSync(
      withIndicator,
      [
        `import { defineBot, EMA } from 'botctl/sdk';`,
        `import { z } from 'zod';`,
        `export default defineBot({ name: 'ema', description: '', config: z.object({}), async execute(ctx) { ctx.log.info(String(new EMA(3).isStable)); } });`,
      ].join('\n'),
    );
    const read = async (source: string) => (await import('node:fs')).readFileSync(await bundleBotModule(await bundleBot(source, cache)), 'utf8');
    const counter = await read(join(fixtureBots, 'counter.ts'));
    const ema = await read(withIndicator);
    for (const module of [counter, ema]) {
      const required = new Set([...module.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
      expect([...required].sort()).toEqual(['botctl-runtime', 'botctl-sdk:errors', 'zod']);
      // Neither zod's code nor the runtime's (its channel messages) is in the module.
      expect(module).not.toMatch(/\$ZodObject|exchange-call/);
    }
    // esbuild writes the classes it keeps as `var EMA = class extends MovingAverage`.
    expect(counter).not.toMatch(/\bvar EMA = class\b/);
    expect(ema).toMatch(/\bvar EMA = class\b/);
    // trading-signals has a hundred indicators; the module keeps the one used and what it extends.
    expect(ema.match(/^\s*var \w+ = class /gm)?.length ?? 0).toBeLessThan(15);
  });

  it('builds no bot module for what CommonJS or the snapshot cannot carry: import.meta, zod/mini', async () => {
    const cases = {
      'import_meta.ts': [`import { defineBot } from 'botctl/sdk';`, `import { z } from 'zod';`, `const here = import.meta.url;`, `export default defineBot({ name: 'x', description: here, config: z.object({}), async execute() {} });`],
      'zod_mini.ts': [`import { defineBot } from 'botctl/sdk';`, `import * as z from 'zod/mini';`, `export default defineBot({ name: 'x', description: '', config: z.object({}) as never, async execute() {} });`],
    };
    for (const [file, lines] of Object.entries(cases)) {
      const source = join(database.home, file);
      writeFileSync(source, lines.join('\n'));
      const bundle = await bundleBot(source, homePaths(database.home).bundleCache);
      await expect(bundleBotModule(bundle)).rejects.toThrow(file === 'zod_mini.ts' ? /zod\/mini.*runtime snapshot does not hold/ : /import\.meta/);
    }
  });

  it('falls back to the bundle when the snapshot cannot be built, logs it once and does not retry', async () => {
    const bundle = await bundleBot(join(fixtureBots, 'counter.ts'), homePaths(database.home).bundleCache);
    // A Node that cannot build snapshots: the build fails as it would for any reason of Node's.
    const broken = join(database.home, 'broken-node.sh');
    writeFileSync(broken, '#!/bin/sh\necho "snapshot building failed here" >&2\nexit 1\n');
    chmodSync(broken, 0o755);
    const start = () => childStart(bundle, { cacheDir: join(database.home, 'other-cache'), heapMb: 64, log, node: broken });
    expect(start()).toEqual({ entry: [bundle.path], readable: bundle.path, files: [bundle.path], snapshot: false, env: {} });
    await childStartBuilds();
    expect(start().snapshot).toBe(false);
    await childStartBuilds();
    const failures = lines.filter((l) => l.msg === 'runtime snapshot could not be built: bots start from their bundles');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 'warn', heap_mb: 64 });
    expect(String(failures[0]?.error)).toContain('snapshot building failed here');
  });

  it('checks a snapshot it finds in the cache before using it, and replaces one that does not start', async () => {
    const bundle = await bundleBot(join(fixtureBots, 'counter.ts'), homePaths(database.home).bundleCache);
    const options = { cacheDir: join(database.home, 'checked-cache'), heapMb: 80, log };
    expect(childStart(bundle, options).snapshot).toBe(false);
    await childStartBuilds();
    const { entry, snapshot, env } = childStart(bundle, options);
    expect(snapshot).toBe(true);
    const blob = entry[entry.indexOf('--snapshot-blob') + 1] ?? '';
    // A later botd (a fresh module) finds the file damaged: it is checked, removed, built again.
    vi.resetModules();
    const later = await import('../../src/daemon/child-start.js');
    writeFileSync(blob, 'not a snapshot');
    expect(later.childStart(bundle, options).snapshot).toBe(false);
    await later.childStartBuilds();
    expect(lines.filter((l) => l.msg === 'runtime snapshot in the cache does not start: removed, to be built again')).toHaveLength(1);
    expect(later.childStart(bundle, options).snapshot).toBe(false);
    await later.childStartBuilds();
    expect(later.childStart(bundle, options)).toEqual({ entry, readable: entry.at(-1), files: [blob, entry.at(-1)], snapshot: true, env });
  });
});
