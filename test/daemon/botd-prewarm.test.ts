// Pre-warming with a real botd and real children: each due run's child is spawned ahead of its slot and told
// to start at the slot. Never before it, never when the subscription was paused meanwhile, never past the
// concurrency cap or over a run still under way, and nothing left behind by a stop or a kill -9.
import { describe, expect, it } from 'vitest';
import { startBotd, useBotdHomes, withDatabase } from './botd.js';
import { addBot, addSubscription, alive, runsOf, until, untilWarmChild } from './helpers.js';

const freshHome = useBotdHomes();

const isoNow = () => new Date().toISOString();

describe('botd pre-warm', () => {
  it('spawns the child before its slot and sends the start message only at the slot', async () => {
    const home = freshHome();
    await withDatabase(home, async (db) => {
      const sub = await addSubscription(db, await addBot(db, 'clock'), { schedule: '* * * * * *', timeoutMs: 30_000 });
      const botd = startBotd(home);
      await until('three pre-warmed runs to succeed', async () => {
        const prewarmed = new Set(botd.lines.filter((l) => l.msg === 'run started' && l.prewarmed === true).map((l) => l.run_id));
        return (await runsOf(db, sub)).filter((r) => r.status === 'succeeded' && prewarmed.has(r.id)).length >= 3;
      });
      botd.kill('SIGTERM');
      expect((await botd.exit).exitCode).toBe(0);

      const runs = await runsOf(db, sub);
      expect(runs.filter((r) => r.status === 'running')).toEqual([]);
      const started = botd.lines.filter((l) => l.msg === 'run started' && l.prewarmed === true);
      expect(started.length).toBeGreaterThanOrEqual(3);
      for (const line of started) {
        const run = runs.find((r) => r.id === line.run_id);
        if (run?.status !== 'succeeded') continue;
        // Claimed and spawned before the bot was told to start (how far before the slot depends on the
        // machine's load, so that is not asserted)...
        expect(Date.parse(run.started_at)).toBeLessThanOrEqual(Date.parse(String(line.time)));
        expect(run.child_pid).toBe(line.pid);
        // ...but the bot was told to start no earlier than its slot, by its own clock and by botd's.
        const [, at, slot] = /started (\d+) scheduled (\d+)/.exec(run.log_tail ?? '') ?? [];
        expect(Number(slot)).toBe(Date.parse(run.scheduled_for));
        expect(Number(at)).toBeGreaterThanOrEqual(Number(slot));
        expect(Number(line.dispatch_lag_ms)).toBeGreaterThanOrEqual(0);
      }
    });
  });

  it('records a slot skipped and stops its warm child when the subscription is paused within the lead time', async () => {
    const home = freshHome();
    await withDatabase(home, async (db) => {
      // A long lead (3 s) on a 10 s schedule: the pause lands well inside it. A quick bot, so every slot is
      // pre-warmed (a still-running previous run is not), and a slow first cycle under load just means
      // waiting for the next one.
      const sub = await addSubscription(db, await addBot(db, 'noop'), { schedule: '*/10 * * * * *', timeoutMs: 60_000 });
      const botd = startBotd(home, ['--prewarm', '3000']);
      const warm = await untilWarmChild(db, sub);
      await db.updateTable('subscriptions').set({ enabled: 0, paused_reason: 'test', updated_at: isoNow() }).where('id', '=', sub).execute();
      const pid = Number(warm.child_pid);
      const done = await until(
        'the warm run to be recorded',
        async () => (await runsOf(db, sub)).find((r) => r.id === warm.id && r.status !== 'running'),
        15_000,
      );
      expect(done).toMatchObject({ status: 'skipped', error: 'paused before its slot', scheduled_for: warm.scheduled_for });
      await until('the warm child to be gone', () => !alive(pid));
      // It never started: no 'run started' line for it.
      expect(botd.lines.filter((l) => l.msg === 'run started' && l.run_id === warm.id)).toEqual([]);
      botd.kill('SIGTERM');
      expect((await botd.exit).exitCode).toBe(0);
      // Nothing ran from the paused slot on; earlier slots may have run before the pause.
      const fromPause = (await runsOf(db, sub)).filter((r) => Date.parse(r.scheduled_for) >= Date.parse(warm.scheduled_for));
      expect(fromPause.filter((r) => r.status !== 'skipped')).toEqual([]);
    });
  });

  it('does not pre-warm over a run still under way: the overlapping tick is still recorded skipped', async () => {
    const home = freshHome();
    await withDatabase(home, async (db) => {
      const slow = await addSubscription(db, await addBot(db, 'slow'), { schedule: '* * * * * *', config: { ms: 2_500 }, timeoutMs: 10_000 });
      const botd = startBotd(home);
      await until('an overlapping tick skipped and two finished runs', async () => {
        const runs = await runsOf(db, slow);
        return runs.some((r) => r.status === 'skipped' && r.error === 'previous run was still running') && runs.filter((r) => r.status === 'succeeded').length >= 2;
      });
      await db.updateTable('subscriptions').set({ enabled: 0, updated_at: isoNow() }).where('id', '=', slow).execute();
      botd.kill('SIGTERM');
      expect((await botd.exit).exitCode).toBe(0);
      const runs = await runsOf(db, slow);
      expect(runs.filter((r) => r.status === 'running')).toEqual([]);
      // Runs never overlap: each began (was claimed) after the previous one finished.
      const ran = runs.filter((r) => r.status === 'succeeded');
      for (let i = 1; i < ran.length; i++) {
        expect(Date.parse(ran[i]?.started_at ?? '')).toBeGreaterThanOrEqual(Date.parse(ran[i - 1]?.finished_at ?? ''));
      }
    });
  });

  it('a graceful stop during warm-up stops the warm child and leaves no row for the slot that never came', async () => {
    const home = freshHome();
    await withDatabase(home, async (db) => {
      const sub = await addSubscription(db, await addBot(db, 'noop'), { schedule: '*/10 * * * * *', timeoutMs: 60_000 });
      const botd = startBotd(home, ['--prewarm', '3000']);
      const warm = await untilWarmChild(db, sub);
      botd.kill('SIGTERM');
      expect((await botd.exit).exitCode).toBe(0);
      const runs = await runsOf(db, sub);
      expect(runs.filter((r) => r.status === 'running')).toEqual([]);
      // Like a queued run dropped at shutdown: no row, so the missed-run policy sees the slot at the next start.
      expect(runs.find((r) => r.id === warm.id)).toBeUndefined();
      expect(botd.lines.find((l) => l.msg === 'run not started' && l.run_id === warm.id)).toMatchObject({ reason: 'botd stopped before its slot' });
      await until('the warm child to be gone', () => !alive(Number(warm.child_pid)));
    });
  });

  it('after kill -9 during warm-up, the next start records the run abandoned, leaves no orphan and never runs the slot', async () => {
    const home = freshHome();
    await withDatabase(home, async (db) => {
      const sub = await addSubscription(db, await addBot(db, 'noop'), { schedule: '*/10 * * * * *', timeoutMs: 60_000 });
      const first = startBotd(home, ['--prewarm', '3000']);
      const warm = await untilWarmChild(db, sub);
      first.kill('SIGKILL');
      await first.exit;
      const pid = Number(warm.child_pid);
      expect((await runsOf(db, sub)).find((r) => r.id === warm.id)?.status).toBe('running');

      const second = startBotd(home, ['--prewarm', '3000', '--stop-grace', '500']);
      await second.waitFor('start-up', (l) => l.msg === 'botd started');
      const after = await db.selectFrom('runs').selectAll().where('id', '=', warm.id).executeTakeFirstOrThrow();
      expect(after.status).toBe('abandoned');
      expect(after.error).toBe('botd stopped before the run finished (found at start-up)');
      // Never told to start, the child exits once its channel closes; any left is stopped at start-up.
      await until('the warm child to be gone', () => !alive(pid));
      // The slot passes under the second botd without running again.
      await until('the slot to pass', () => Date.now() > Date.parse(warm.scheduled_for) + 1_000);
      second.kill('SIGTERM');
      expect((await second.exit).exitCode).toBe(0);
      const runs = await runsOf(db, sub);
      expect(runs.filter((r) => r.scheduled_for === warm.scheduled_for)).toMatchObject([{ id: warm.id, status: 'abandoned' }]);
      expect(second.lines.filter((l) => l.msg === 'run started' && l.scheduled_for === warm.scheduled_for)).toEqual([]);
      expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    });
  });
});
