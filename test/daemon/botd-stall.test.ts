// botd stalled (SIGSTOP, as a VM pause or a long GC pause would) while its bots finish: once it continues,
// every run is judged by what happened, not by the timers that expired while it was stopped.
import { describe, expect, it } from 'vitest';
import { startBotd, useBotdHomes, withDatabase } from './botd.js';
import { addBot, addSubscription, alive, runsOf, until } from './helpers.js';

const freshHome = useBotdHomes();

describe('botd stalled', () => {
  it('records runs that finished during the stall as succeeded or failed, never timed_out or crashed', { timeout: 400_000 }, async () => {
    const home = freshHome();
    await withDatabase(home, async (db) => {
      const schedule = '*/15 * * * * *';
      // Quick bots, well within their deadline; one of them fails on purpose.
      const quick = [];
      for (let i = 0; i < 3; i++) quick.push(await addSubscription(db, await addBot(db, 'slow'), { schedule, config: { ms: 300 }, timeoutMs: 6_000 }));
      const throws = await addSubscription(db, await addBot(db, 'throws'), { schedule, timeoutMs: 6_000 });
      const all = [...quick, throws];
      const botd = startBotd(home);
      // One slot in which all four have been sent their start message; stop botd right then.
      const started = await until(
        'all four runs of one slot started',
        () => {
          const lines = botd.lines.filter((l) => l.msg === 'run started');
          const bySlot = new Map<string, Set<number>>();
          for (const l of lines) bySlot.set(String(l.scheduled_for), (bySlot.get(String(l.scheduled_for)) ?? new Set()).add(Number(l.subscription_id)));
          return [...bySlot].find(([, subs]) => subs.size === all.length)?.[0];
        },
        90_000,
      );
      const children = botd.lines.filter((l) => l.msg === 'run started' && String(l.scheduled_for) === started);
      botd.kill('SIGSTOP');
      // Stopped until every child of the slot has ended (its result waits unread in the kernel) and every
      // deadline (6 s from its start) has passed, however long the bots take on a loaded machine: a fixed
      // 10 s stop assumed they finish within it.
      await until('every child of the slot to end while botd is stopped', () => children.every((l) => !alive(Number(l.pid))), 150_000);
      const lastStart = Math.max(...children.map((l) => Date.parse(l.time)));
      await until('every deadline to pass while botd is stopped', () => Date.now() > lastStart + 6_000 + 1_000);
      botd.kill('SIGCONT');
      for (const id of all) {
        await until(`the run of ${id} to be recorded`, async () => (await runsOf(db, id)).find((r) => r.scheduled_for === started && r.status !== 'running'), 60_000);
      }
      botd.kill('SIGTERM');
      expect((await botd.exit).exitCode).toBe(0);
      for (const id of quick) {
        expect((await runsOf(db, id)).find((r) => r.scheduled_for === started)).toMatchObject({ status: 'succeeded', error: null });
      }
      const failed = (await runsOf(db, throws)).find((r) => r.scheduled_for === started);
      expect(failed?.status).toBe('failed');
      expect(failed?.error).not.toMatch(/timed out|without reporting/);
    });
  });
});
