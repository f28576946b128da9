// botd as operators run it (the real bin/botd.js), driven by changes to a real database: scheduling,
// reloading, the update semantics of template files, concurrency and overlap, and its JSON log.
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/bots/digest.js';
import { supersededReason } from '../../src/daemon/superseded.js';
import { openDatabase, type Connection } from '../../src/db/open.js';
import { botctl } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';
import { killAllBotds, startBotd, type Botd, type LogLine } from './botd.js';
import { addBot, addSubscription, fixtureBots, runsOf, sleep, until } from './helpers.js';

let home: ReturnType<typeof temporaryHome>;
let connection: Connection;

beforeAll(async () => {
  home = temporaryHome();
  connection = await openDatabase(home.home);
});
afterEach(() => killAllBotds());
afterAll(async () => {
  await connection.close();
  home.remove();
});

const isoNow = () => new Date().toISOString();

async function stop(botd: Botd): Promise<void> {
  botd.kill('SIGTERM');
  const exit = await botd.exit;
  expect(exit.exitCode).toBe(0);
  expect(botd.garbage).toEqual([]);
}

function reloadAfter(botd: Botd, mark: number, change: 'added' | 'changed' | 'removed') {
  return botd.waitFor(`a reload with ${change}`, (l, i) => i >= mark && l.msg === 'schedule reloaded' && Number(l[change]) > 0);
}

describe('botd scheduling', () => {
  it('picks up subscriptions added, edited, paused, resumed and removed, without a restart, a lost or a repeated tick', async () => {
    const { db } = connection;
    const botd = startBotd(home.home);
    await botd.waitFor('start-up', (l) => l.msg === 'botd started');

    // Added while botd runs. `steady` ticks through every reload below: its slots must stay contiguous.
    let mark = botd.lines.length;
    // Explicit timeouts: the default (80 % of a 1-2 s period) times a no-op out on a loaded machine.
    const steady = await addSubscription(db, await addBot(db, 'noop'), { schedule: '*/2 * * * * *', timeoutMs: 30_000 });
    const sub = await addSubscription(db, await addBot(db, 'counter'), { schedule: '* * * * * *', timeoutMs: 30_000 });
    await reloadAfter(botd, mark, 'added');
    await until('the new subscription to run', async () => (await runsOf(db, sub)).some((r) => r.status === 'succeeded'));

    // Edited: a new schedule applies from the reload on. An old-schedule slot already pre-warmed when the edit
    // landed is recorded `skipped`, never run.
    mark = botd.lines.length;
    await db.updateTable('subscriptions').set({ schedule: '*/3 * * * * *', updated_at: isoNow() }).where('id', '=', sub).execute();
    const edited = Date.parse((await reloadAfter(botd, mark, 'changed')).time);
    const afterEdit = async () =>
      (await runsOf(db, sub)).filter((r) => Date.parse(r.scheduled_for) > edited && !(r.status === 'skipped' && r.error === 'schedule changed before its slot'));
    await until('two runs on the new schedule', async () => (await afterEdit()).length >= 2);
    for (const run of await afterEdit()) {
      expect(new Date(run.scheduled_for).getUTCSeconds() % 3).toBe(0);
    }

    // Paused: no slot after the reload runs. A slot whose child was already pre-warmed when the pause landed
    // is recorded `skipped`, never run.
    mark = botd.lines.length;
    await db.updateTable('subscriptions').set({ enabled: 0, paused_reason: 'test', updated_at: isoNow() }).where('id', '=', sub).execute();
    const paused = Date.parse((await reloadAfter(botd, mark, 'removed')).time);
    await sleep(3_500);
    const afterPause = (await runsOf(db, sub)).filter((r) => Date.parse(r.scheduled_for) > paused);
    expect(afterPause.filter((r) => !(r.status === 'skipped' && r.error === 'paused before its slot'))).toEqual([]);
    expect(afterPause.length).toBeLessThanOrEqual(1);

    // Resumed.
    mark = botd.lines.length;
    await db.updateTable('subscriptions').set({ enabled: 1, paused_reason: null, updated_at: isoNow() }).where('id', '=', sub).execute();
    const resumed = Date.parse((await reloadAfter(botd, mark, 'added')).time);
    await until('a run after resuming', async () => (await runsOf(db, sub)).some((r) => Date.parse(r.scheduled_for) > resumed && r.status === 'succeeded'));

    // Removed (its runs go with it, by cascade).
    mark = botd.lines.length;
    await db.deleteFrom('subscriptions').where('id', '=', sub).execute();
    await reloadAfter(botd, mark, 'removed');
    await sleep(1_500);
    expect(await runsOf(db, sub)).toEqual([]);

    // Through all of that, the untouched subscription ran every slot exactly once.
    const slots = (await runsOf(db, steady)).map((r) => Date.parse(r.scheduled_for));
    expect(slots.length).toBeGreaterThanOrEqual(4);
    // A botd starved of CPU for longer than a period (seen at load average 20 on 2 cores) runs only the
    // latest due slot and says so: a gap is allowed exactly where it logged that, never a repeat.
    const behind = botd.lines.filter((l) => l.msg === 'behind schedule: only the latest due slot runs' && l.subscription_id === steady);
    for (let i = 1; i < slots.length; i++) {
      const gap = (slots[i] ?? 0) - (slots[i - 1] ?? 0);
      if (gap !== 2_000) expect(behind.map((l) => Date.parse(String(l.to)))).toContain(slots[i]);
      expect(gap % 2_000).toBe(0);
      expect(gap).toBeGreaterThan(0);
    }

    await stop(botd);
    // Every slot succeeded, except that on a loaded machine a 2 s slot can come due while the previous no-op
    // is still going, or be dispatched so late that its next slot is upon it: that slot is recorded skipped for
    // the overlap, or as superseded (the policy), never lost or run twice.
    const policy = /^previous run was still (running|waiting for a free slot)$/;
    const skippedByPolicy = (r: { status: string; error: string | null }) => r.status === 'skipped' && (policy.test(r.error ?? '') || r.error === supersededReason);
    expect((await runsOf(db, steady)).filter((r) => r.status !== 'succeeded' && !skippedByPolicy(r))).toEqual([]);
    // One JSON object per line, with the run's identity, outcome and duration.
    // (Slots pre-warmed before their pause or schedule edit were recorded `skipped`, checked above.)
    const finished = botd.lines.filter((l) => l.msg === 'run finished' && !(l.status === 'skipped' && /^(paused|schedule changed) before its slot$/.test(String(l.error))));
    expect(finished.length).toBeGreaterThan(4);
    for (const line of finished) {
      expect(line).toMatchObject({ level: 'info', run_id: expect.any(Number), subscription_id: expect.any(Number), status: 'succeeded', duration_ms: expect.any(Number) });
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
    }
  });

  it('runs the edited code of a template file on the next execution of every bot using it, without a restart', async () => {
    const { db } = connection;
    const templates = mkdtempSync(join(tmpdir(), 'botctl-templates-'));
    try {
      const file = join(templates, 'versioned.ts');
      const source = (version: number) =>
        readFileSync(join(fixtureBots, 'noop.ts'), 'utf8').replace('async execute() {}', `async execute(ctx) { ctx.log.info('version ${version}'); }`);
      writeFileSync(file, source(1));
      const subs = [
        await addSubscription(db, await addBot(db, 'versioned'), { schedule: '* * * * * *', timeoutMs: 30_000 }),
        await addSubscription(db, await addBot(db, 'versioned'), { schedule: '* * * * * *', timeoutMs: 30_000 }),
      ];
      const botd = startBotd(home.home, [], { BOTCTL_BOT_FILES: templates });
      const ranVersion = (version: number) => async () => {
        for (const sub of subs) {
          if (!(await runsOf(db, sub)).some((r) => r.status === 'succeeded' && r.log_tail?.includes(`version ${version}`))) return false;
        }
        return true;
      };
      await until('both bots to run version 1', ranVersion(1));

      // Write-then-rename, as editors and deploys do: botd never sees a half-written file.
      writeFileSync(`${file}.tmp`, source(2));
      renameSync(`${file}.tmp`, file);
      await until('both bots to run version 2', ranVersion(2));

      const [v1, v2] = [sha256(source(1)), sha256(source(2))];
      for (const sub of subs) {
        const runs = (await runsOf(db, sub)).filter((r) => r.status === 'succeeded');
        const firstNew = runs.findIndex((r) => r.log_tail?.includes('version 2'));
        expect(runs.slice(0, firstNew).every((r) => r.code_sha256 === v1 && r.log_tail?.includes('version 1'))).toBe(true);
        // From the first new run on, only the new code: the run rows show its sha256.
        expect(runs.slice(firstNew).every((r) => r.code_sha256 === v2 && r.log_tail?.includes('version 2'))).toBe(true);
      }
      // The same botd process did all of it.
      expect(botd.lines.filter((l) => l.msg === 'botd started')).toHaveLength(1);
      await db.updateTable('subscriptions').set({ enabled: 0, updated_at: isoNow() }).where('id', 'in', subs).execute();
      await stop(botd);
    } finally {
      rmSync(templates, { recursive: true, force: true });
    }
  });

  it('caps concurrent executions: excess due runs wait, none is dropped', async () => {
    const { db } = connection;
    const subs: number[] = [];
    for (let i = 0; i < 5; i++) subs.push(await addSubscription(db, await addBot(db, 'slow'), { schedule: '*/4 * * * * *', config: { ms: 200 }, timeoutMs: 10_000 }));
    const botd = startBotd(home.home, ['--concurrency', '2']);
    // The first slot for which every subscription has a finished run. On a loaded machine a run can still be
    // queued when its next slot comes: that slot is skipped for the overlap (the policy), so look past it.
    const slot = await until('one slot run by all five', async () => {
      const bySlot = new Map<string, number>();
      for (const sub of subs) for (const r of await runsOf(db, sub)) if (r.status !== 'running' && r.status !== 'skipped') bySlot.set(r.scheduled_for, (bySlot.get(r.scheduled_for) ?? 0) + 1);
      return [...bySlot].find(([, n]) => n === subs.length)?.[0];
    });
    await db.updateTable('subscriptions').set({ enabled: 0, updated_at: isoNow() }).where('id', 'in', subs).execute();
    await stop(botd);

    for (const sub of subs) {
      expect((await runsOf(db, sub)).find((r) => r.scheduled_for === slot)?.status).toBe('succeeded');
    }
    // Replay the log: never more than two children at once, and two at some point.
    const ours = new Set(subs);
    let current = 0;
    let peak = 0;
    for (const line of botd.lines) {
      if (!ours.has(line.subscription_id ?? -1)) continue;
      if (line.msg === 'run started') peak = Math.max(peak, ++current);
      if (line.msg === 'run finished') current--;
    }
    expect(peak).toBe(2);
  });

  it('records a tick that finds the previous run still going as skipped, and times out at the default below the period', async () => {
    const { db } = connection;
    // Overlap: a 2.5 s run on a 1 s schedule (with a timeout long enough to let it finish).
    const slow = await addSubscription(db, await addBot(db, 'slow'), { schedule: '* * * * * *', config: { ms: 2_500 }, timeoutMs: 30_000 });
    // Default timeout: 80 % of a 2 s period.
    const hangs = await addSubscription(db, await addBot(db, 'hangs'), { schedule: '*/2 * * * * *' });
    const botd = startBotd(home.home);
    await until('an overlapping tick skipped and a finished run', async () => {
      const runs = await runsOf(db, slow);
      return runs.some((r) => r.status === 'skipped' && r.error === 'previous run was still running') && runs.some((r) => r.status === 'succeeded');
    });
    const timedOut = await until('a timed-out run', async () => (await runsOf(db, hangs)).find((r) => r.status === 'timed_out'));
    expect(timedOut.error).toMatch(/^timed out after 1600 ms/);
    await db.updateTable('subscriptions').set({ enabled: 0, updated_at: isoNow() }).where('id', 'in', [slow, hangs]).execute();
    await stop(botd);

    const succeeded = (await runsOf(db, slow)).filter((r) => r.status === 'succeeded');
    for (let i = 1; i < succeeded.length; i++) {
      expect(Date.parse(succeeded[i]?.started_at ?? '')).toBeGreaterThanOrEqual(Date.parse(succeeded[i - 1]?.finished_at ?? ''));
    }
  });

  it('pauses a subscription after consecutive failures and shows the reason in `botctl subscriptions`', async () => {
    const { db } = connection;
    const sub = await addSubscription(db, await addBot(db, 'throws'), { schedule: '* * * * * *', timeoutMs: 30_000 });
    const botd = startBotd(home.home, ['--max-failures', '3']);
    const line = await botd.waitFor('the pause', (l: LogLine) => l.msg === 'subscription paused' && l.subscription_id === sub);
    await sleep(2_000);
    await stop(botd);
    const runs = await runsOf(db, sub);
    expect(runs.filter((r) => r.status === 'failed')).toHaveLength(3);
    const listed = await botctl(home.home, ['subscriptions', '--json']);
    const row = (listed.json as { id: number; enabled: boolean; paused_reason: string | null }[]).find((s) => s.id === sub);
    expect(row).toMatchObject({ enabled: false, paused_reason: line.reason });
    expect(row?.paused_reason).toBe('paused by botd after 3 consecutive failed runs (last: failed: boom: the strategy gave up)');
  });
});
