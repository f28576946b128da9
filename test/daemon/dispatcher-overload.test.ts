// The overload policy with a stand-in for the runner: the freshest slot wins (a slot still queued when the
// next one comes is recorded skipped and the new one takes its turn in the queue), and the backlog warning
// (backlog-watch.ts) counts what the backlog cost.
import { describe, expect, it } from 'vitest';
import { watchBacklog } from '../../src/daemon/backlog-watch.js';
import { Dispatcher, type Job } from '../../src/daemon/dispatcher.js';
import { supersededReason } from '../../src/daemon/superseded.js';
import { EventBus } from '../../src/events/daemon-events.js';
import { silentLogger, type LogFields, type Logger } from '../../src/daemon/log.js';
import type { RunReport } from '../../src/daemon/runner.js';
import { until } from './helpers.js';

function harness(concurrency: number) {
  const started: { job: Job; finish(): void }[] = [];
  const skipped: { job: Job; reason: string }[] = [];
  const warnings: { msg: string; fields: LogFields | undefined }[] = [];
  const log: Logger = { ...silentLogger, warn: (msg, fields) => warnings.push({ msg, fields }) };
  const dispatcher = new Dispatcher({
    concurrency,
    log,
    execute: (job) =>
      new Promise<RunReport>((resolve) => {
        const report: RunReport = { runId: 1, subscriptionId: job.subscriptionId, scheduledFor: job.scheduledFor, status: 'succeeded', error: null, codeSha256: null, durationMs: 0, pausedReason: null };
        started.push({ job, finish: () => resolve(report) });
      }),
    skip: (job, reason) => skipped.push({ job, reason }),
  });
  const stopWatch = watchBacklog({ dispatcher, concurrency, bus: new EventBus(), log, checkEveryMs: 20 });
  return { dispatcher, started, skipped, warnings, stopWatch };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const minute = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString();

describe('dispatcher under overload', () => {
  it('records a queued slot superseded by a newer one, which keeps its place in the queue, and warns with counts', async () => {
    const { dispatcher, started, skipped, warnings, stopWatch } = harness(1);
    for (const id of [1, 2, 3]) dispatcher.due({ subscriptionId: id, scheduledFor: minute(0) });
    expect(started.map((s) => s.job.subscriptionId)).toEqual([1]);
    // The next slot comes while 2 and 3 still wait and 1 still runs.
    for (const id of [1, 2, 3]) dispatcher.due({ subscriptionId: id, scheduledFor: minute(1) });
    expect(skipped).toEqual([
      { job: { subscriptionId: 1, scheduledFor: minute(1) }, reason: 'previous run was still running' },
      { job: { subscriptionId: 2, scheduledFor: minute(0) }, reason: supersededReason },
      { job: { subscriptionId: 3, scheduledFor: minute(0) }, reason: supersededReason },
    ]);
    expect(dispatcher.queued).toBe(2);
    const warning = await until('the backlog warning', () => warnings.find((w) => w.msg === 'backlog: botd is behind its schedules'), 5_000);
    expect(warning.fields).toMatchObject({ superseded: 2, skipped_still_running: 1, queued: 2, running: 1, concurrency: 1 });
    // The fresh slots run, in the order their subscriptions queued.
    started[0]?.finish();
    await tick();
    started[1]?.finish();
    await tick();
    expect(started.map((s) => s.job)).toEqual([
      { subscriptionId: 1, scheduledFor: minute(0) },
      { subscriptionId: 2, scheduledFor: minute(1) },
      { subscriptionId: 3, scheduledFor: minute(1) },
    ]);
    // One line for those lost slots; no more while none is lost and the queue waits less than the threshold.
    await new Promise((resolve) => setTimeout(resolve, 100));
    stopWatch();
    expect(warnings).toHaveLength(1);
  });


  it('never starts a queued run once its next slot has come, even before that slot is dispatched', async () => {
    const { dispatcher, started, skipped, stopWatch } = harness(1);
    stopWatch();
    const past = new Date(Date.now() - 1_000).toISOString();
    const future = new Date(Date.now() + 60_000).toISOString();
    dispatcher.due({ subscriptionId: 1, scheduledFor: minute(0) });
    dispatcher.due({ subscriptionId: 2, scheduledFor: minute(0), nextSlot: past });
    dispatcher.due({ subscriptionId: 3, scheduledFor: minute(0), nextSlot: future });
    started[0]?.finish();
    await tick();
    expect(skipped).toEqual([{ job: { subscriptionId: 2, scheduledFor: minute(0), nextSlot: past }, reason: supersededReason }]);
    expect(started.map((s) => s.job.subscriptionId)).toEqual([1, 3]);
    // Its fresh slot is queued anew.
    dispatcher.due({ subscriptionId: 2, scheduledFor: minute(1) });
    expect(dispatcher.queued).toBe(1);
  });
});
