// Overload's last check, in the real runner: a slot whose subscription's next slot is (nearly) here when botd
// is about to claim it never starts; it is recorded `skipped` as superseded, and no child is spawned.
import { describe, expect, it } from 'vitest';
import { runExecution } from '../../src/daemon/runner.js';
import { startMarginMs, supersededReason } from '../../src/daemon/superseded.js';
import { useTemporaryDatabase } from '../support/database.js';
import { addBot, addSubscription, fixtureBots, runsOf } from './helpers.js';

process.env.BOTCTL_BOT_FILES = fixtureBots;

const temp = useTemporaryDatabase();

describe('a slot superseded just before its start', () => {
  it('is recorded skipped, with no child, when its next slot is within the start margin', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'counter'));
    const spawned: number[] = [];
    const scheduledFor = new Date(Date.now() - 59_500).toISOString();
    const nextSlot = new Date(Date.now() + startMarginMs / 2).toISOString();
    const report = await runExecution({ home: temp.home, connection: temp.connection }, { subscriptionId: sub, scheduledFor, nextSlot, requireEnabled: true, onSpawn: (pid) => spawned.push(pid) });
    expect(report).toMatchObject({ status: 'skipped', error: supersededReason });
    expect(spawned).toEqual([]);
    const runs = await runsOf(db, sub);
    expect(runs).toMatchObject([{ id: report.runId, scheduled_for: scheduledFor, status: 'skipped', error: supersededReason }]);
  });

  it('starts as usual while its next slot is further off', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'counter'));
    const nextSlot = new Date(Date.now() + 60_000).toISOString();
    const report = await runExecution({ home: temp.home, connection: temp.connection }, { subscriptionId: sub, scheduledFor: new Date().toISOString(), nextSlot, requireEnabled: true });
    expect(report).toMatchObject({ status: 'succeeded', error: null });
  });
});
