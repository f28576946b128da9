// botd's life cycle with real processes: one per home, graceful stop, kill -9 and restart, and the
// missed-run policy after downtime.
import { describe, expect, it } from 'vitest';
import { missedRunError } from '../../src/daemon/missed-runs.js';
import { startBotd, useBotdHomes, withDatabase } from './botd.js';
import { addBot, addSubscription, alive, runsOf, sleep, until } from './helpers.js';

const freshHome = useBotdHomes();

describe('botd life cycle', () => {
  it('runs once per home: a second botd exits 1 naming the first', async () => {
    const home = freshHome();
    const first = startBotd(home);
    await first.waitFor('start-up', (l) => l.msg === 'botd started');
    const second = startBotd(home);
    const exit = await second.exit;
    expect(exit.exitCode).toBe(1);
    expect(exit.stderr.trim()).toBe(`error: botd is already running for ${home} (pid ${first.pid})`);
    // SIGINT stops it like SIGTERM.
    first.kill('SIGINT');
    expect((await first.exit).exitCode).toBe(0);
    // Once it is gone, the home is free again.
    const third = startBotd(home);
    await third.waitFor('start-up', (l) => l.msg === 'botd started');
    third.kill('SIGTERM');
    expect((await third.exit).exitCode).toBe(0);
  });

  it('stops gracefully: waits for running bots within the grace period, stops the rest, leaves no row running', async () => {
    const home = freshHome();
    await withDatabase(home, async (db) => {
      // The quick bot's 1 s sits far inside the 6 s grace even on a loaded machine; the stuck one never ends.
      const quick = await addSubscription(db, await addBot(db, 'slow'), { schedule: '*/2 * * * * *', config: { ms: 1_000 }, timeoutMs: 30_000 });
      const stuck = await addSubscription(db, await addBot(db, 'hangs'), { schedule: '*/2 * * * * *', timeoutMs: 30_000 });
      const botd = startBotd(home, ['--stop-grace', '6000']);
      const started = await botd.waitFor('both runs to start', (l) => l.msg === 'run started' && l.subscription_id === stuck);
      const finished = (runId: unknown) => botd.lines.some((l) => l.msg === 'run finished' && l.run_id === runId);
      const quickStarted = await botd.waitFor('a quick run under way', (l) => l.msg === 'run started' && l.subscription_id === quick && !finished(l.run_id));
      botd.kill('SIGTERM');
      const exit = await botd.exit;
      expect(exit.exitCode).toBe(0);

      const all = await db.selectFrom('runs').selectAll().execute();
      expect(all.filter((r) => r.status === 'running')).toEqual([]);
      // The quick run that was under way at SIGTERM finished within the grace period; the stuck one was stopped
      // and recorded. Checked by run id, not as the last row: on a loaded machine a slot can come due while a
      // run is still going and be recorded `skipped` after it.
      expect(all.find((r) => r.id === quickStarted.run_id)?.status).toBe('succeeded');
      const last = all.find((r) => r.id === started.run_id);
      expect(last).toMatchObject({ status: 'abandoned', child_pid: started.pid });
      expect(last?.error).toMatch(/^botd stopped before the run finished/);
      expect(alive(Number(started.pid))).toBe(false);
      expect(botd.lines.at(-1)?.msg).toBe('botd stopped');
    });
  });

  it('after kill -9 mid-run, the next start records the run abandoned, stops its orphaned child and never reruns the slot', async () => {
    const home = freshHome();
    await withDatabase(home, async (db) => {
      const sub = await addSubscription(db, await addBot(db, 'hangs'), { schedule: '* * * * * *', timeoutMs: 60_000 });
      const first = startBotd(home);
      const started = await first.waitFor('the run to start', (l) => l.msg === 'run started');
      // Let the child receive its start message: killed before that, it would just exit on its own.
      await sleep(1_000);
      first.kill('SIGKILL');
      await first.exit;
      const orphan = Number(started.pid);
      // The child leads its own process group: it outlives the daemon.
      expect(alive(orphan)).toBe(true);
      const [interrupted] = await runsOf(db, sub);
      expect(interrupted?.status).toBe('running');

      const second = startBotd(home, ['--stop-grace', '500']);
      await second.waitFor('start-up', (l) => l.msg === 'botd started');
      expect(second.lines.find((l) => l.msg === 'orphaned child stopped')).toMatchObject({ run_id: interrupted?.id, pid: orphan });
      expect(alive(orphan)).toBe(false);
      const after = await db.selectFrom('runs').selectAll().where('id', '=', interrupted?.id ?? 0).executeTakeFirstOrThrow();
      expect(after.status).toBe('abandoned');
      expect(after.error).toBe('botd stopped before the run finished (found at start-up)');

      await until('the next run to start', () => second.lines.find((l) => l.msg === 'run started'));
      second.kill('SIGTERM');
      expect((await second.exit).exitCode).toBe(0);
      const runs = await runsOf(db, sub);
      // Every slot has one row, and the abandoned slot never ran again.
      expect(new Set(runs.map((r) => r.scheduled_for)).size).toBe(runs.length);
      expect(runs.filter((r) => r.scheduled_for === interrupted?.scheduled_for)).toHaveLength(1);
      expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    });
  });

  it('after downtime, catches up the latest missed slot once if it is recent, else records one skipped row', async () => {
    const home = freshHome();
    await withDatabase(home, async (db) => {
      const longAgo = new Date(Date.now() - 3 * 24 * 3600_000).toISOString();
      // Every minute, last run 10 minutes ago: 10 slots missed, the latest within one period: one catch-up run.
      const minutely = await addSubscription(db, await addBot(db, 'noop'), { schedule: '* * * * *', createdAt: longAgo });
      // Daily at the hour six hours back (UTC, whatever the time of day the test runs), created three days ago, never
      // run: the latest missed slot is older than the one-hour cap.
      const dailyHour = (new Date().getUTCHours() + 18) % 24;
      const daily = await addSubscription(db, await addBot(db, 'noop'), { schedule: `0 ${dailyHour} * * *`, createdAt: longAgo });
      const tenMinutesAgo = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000).toISOString();
      await db.insertInto('runs').values({ subscription_id: minutely, scheduled_for: tenMinutesAgo, started_at: tenMinutesAgo, finished_at: tenMinutesAgo, status: 'succeeded' } as never).execute();

      const botd = startBotd(home);
      await until('the catch-up run', async () => (await runsOf(db, minutely)).some((r) => r.status === 'succeeded' && r.scheduled_for !== tenMinutesAgo));
      botd.kill('SIGTERM');
      expect((await botd.exit).exitCode).toBe(0);

      const caughtUp = (await runsOf(db, minutely)).filter((r) => r.scheduled_for !== tenMinutesAgo);
      // One run, never a burst: for the latest slot at or before start-up.
      expect(caughtUp.length).toBeGreaterThanOrEqual(1);
      const startedAt = Date.parse(botd.lines.find((l) => l.msg === 'botd started')?.time ?? '');
      const latestSlot = Math.floor(startedAt / 60_000) * 60_000;
      expect(caughtUp[0]).toMatchObject({ scheduled_for: new Date(latestSlot).toISOString(), status: 'succeeded' });
      expect(caughtUp.filter((r) => Date.parse(r.scheduled_for) <= latestSlot)).toHaveLength(1);

      const dailyRuns = await runsOf(db, daily);
      const dailySlot = new Date(startedAt);
      dailySlot.setUTCHours(dailyHour, 0, 0, 0);
      if (dailySlot.getTime() > startedAt) dailySlot.setUTCDate(dailySlot.getUTCDate() - 1);
      expect(dailyRuns).toMatchObject([{ scheduled_for: dailySlot.toISOString(), status: 'skipped', error: missedRunError }]);
    });
  });
});
