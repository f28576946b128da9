// A full disk under a running botd, on a real small filesystem: no run is reported that was not recorded,
// no bot state is lost, `botctl run` names the cause, and botd recovers by itself once space returns.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { botctl } from '../support/cli.js';
import { cannotMount, mountSmallFilesystem, type SmallFilesystem } from '../support/small-filesystem.js';
import { killAllBotds, startBotd, withDatabase } from './botd.js';
import { addBot, addSubscription, runsOf, sleep, until } from './helpers.js';

const reason = cannotMount();
if (reason && process.env.CI !== 'true') console.warn(`skipped: ${reason}`);

describe.skipIf(reason !== undefined && process.env.CI !== 'true')('botd on a full disk', () => {
  let fs: SmallFilesystem | undefined;
  afterAll(() => {
    killAllBotds();
    fs?.unmount();
  });

  it('records every run it reports, keeps every state, and recovers when space returns', { timeout: 240_000 }, async () => {
    // Room for the database, the bundle cache and the runtime snapshot, and not much more.
    fs = mountSmallFilesystem(96);
    const home = join(fs.dir, 'home');
    const subs = await withDatabase(home, async (db) => {
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) ids.push(await addSubscription(db, await addBot(db, 'counter'), { schedule: '* * * * * *', timeoutMs: 20_000 }));
      return ids;
    });
    const botd = startBotd(home);
    await withDatabase(home, async (db) => {
      // Settled: every subscription has run and the runtime snapshot had time to be built.
      await until('two successful runs each', async () => {
        for (const id of subs) if ((await runsOf(db, id)).filter((r) => r.status === 'succeeded').length < 2) return false;
        return true;
      }, 60_000);
    });

    fs.fill();
    const refused = await botd.waitFor('a refused write logged at error level', (l) => l.level === 'error' && /disk full/.test(String(l.error)), 60_000);
    expect(refused.msg).toMatch(/run outcome could not be written|run failed inside botd|skipped run could not be recorded/);
    const foreground = await botctl(home, ['run', String(subs[0])]);
    expect(foreground.exitCode).toBe(1);
    expect(foreground.stderr).toMatch(/disk full/);
    expect(foreground.stderr).toContain(join(home, 'botctl.db'));
    await sleep(3_000);

    fs.free();
    const freedAt = Date.now();
    await withDatabase(home, async (db) => {
      await until('a successful run of every subscription after space returned', async () => {
        for (const id of subs) if (!(await runsOf(db, id)).some((r) => r.status === 'succeeded' && Date.parse(r.scheduled_for) > freedAt)) return false;
        return true;
      }, 60_000);
    });
    botd.kill('SIGTERM');
    expect((await botd.exit).exitCode).toBe(0);

    await withDatabase(home, async (db) => {
      const rows = await db.selectFrom('runs').selectAll().execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      // Every run botd reported is a row with that very outcome; every run it started has a row.
      const reported = botd.lines.filter((l) => l.msg === 'run finished' || l.msg === 'run skipped');
      expect(reported.length).toBeGreaterThan(0);
      for (const line of reported) expect({ id: line.run_id, status: byId.get(Number(line.run_id))?.status }).toEqual({ id: line.run_id, status: line.status });
      for (const line of botd.lines.filter((l) => l.msg === 'run started')) expect(byId.has(Number(line.run_id))).toBe(true);
      expect(rows.filter((r) => r.status === 'running')).toEqual([]);
      // No state lost: the counts of a subscription's successful runs go 1, 2, 3… with no repeat or gap.
      for (const id of subs) {
        const counts = rows
          .filter((r) => r.subscription_id === id && r.status === 'succeeded')
          .sort((a, b) => a.scheduled_for.localeCompare(b.scheduled_for))
          .map((r) => Number(/count is (\d+)/.exec(r.log_tail ?? '')?.[1]));
        expect(counts).toEqual(counts.map((_, i) => i + 1));
        const state = await db.selectFrom('bot_state').select('state').where('subscription_id', '=', id).executeTakeFirstOrThrow();
        expect(JSON.parse(state.state)).toEqual({ count: counts.length });
      }
    });
  });
});
