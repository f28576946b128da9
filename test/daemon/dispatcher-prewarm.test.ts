// The dispatcher's pre-warm rules, with a stand-in for the runner: a warm run holds a concurrency slot from
// its start, is refused when none is free (the slot's `due` then dispatches it as before), and the `due` of
// a slot already warmed does not run it twice.
import { describe, expect, it } from 'vitest';
import { Dispatcher, type Job } from '../../src/daemon/dispatcher.js';
import { silentLogger } from '../../src/daemon/log.js';
import type { RunReport } from '../../src/daemon/runner.js';

function harness(concurrency: number) {
  const started: { job: Job; prewarmed: boolean; prewarm: AbortSignal | undefined; finish(): void }[] = [];
  const skipped: { job: Job; reason: string }[] = [];
  const dispatcher = new Dispatcher({
    concurrency,
    log: silentLogger,
    execute: (job, _cancel, prewarm) =>
      new Promise<RunReport>((resolve) => {
        const report: RunReport = { runId: 1, subscriptionId: job.subscriptionId, scheduledFor: job.scheduledFor, status: 'succeeded', error: null, codeSha256: null, durationMs: 0, pausedReason: null };
        started.push({ job, prewarmed: prewarm !== undefined, prewarm, finish: () => resolve(report) });
      }),
    skip: (job, reason) => skipped.push({ job, reason }),
  });
  return { dispatcher, started, skipped };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const slot = '2026-01-01T00:00:01.000Z';

describe('dispatcher pre-warm', () => {
  it('counts a warm run against the cap and falls back to dispatch at the slot when no slot is free', async () => {
    const { dispatcher, started } = harness(2);
    expect(dispatcher.warm({ subscriptionId: 1, scheduledFor: slot })).toBe(true);
    expect(dispatcher.warm({ subscriptionId: 2, scheduledFor: slot })).toBe(true);
    expect(dispatcher.running).toBe(2);
    // Full: not pre-warmed, and not lost.
    expect(dispatcher.warm({ subscriptionId: 3, scheduledFor: slot })).toBe(false);
    for (const id of [1, 2, 3]) dispatcher.due({ subscriptionId: id, scheduledFor: slot });
    expect(started.map((s) => [s.job.subscriptionId, s.prewarmed])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(dispatcher.queued).toBe(1);
    started[0]?.finish();
    await tick();
    expect(started.map((s) => [s.job.subscriptionId, s.prewarmed])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
  });

  it('does not pre-warm a subscription with a run under way; its tick is still recorded skipped', () => {
    const { dispatcher, started, skipped } = harness(4);
    dispatcher.due({ subscriptionId: 1, scheduledFor: '2026-01-01T00:00:00.000Z' });
    expect(dispatcher.warm({ subscriptionId: 1, scheduledFor: slot })).toBe(false);
    dispatcher.due({ subscriptionId: 1, scheduledFor: slot });
    expect(started).toHaveLength(1);
    expect(skipped).toEqual([{ job: { subscriptionId: 1, scheduledFor: slot }, reason: 'previous run was still running' }]);
  });

  it('does not jump the queue', () => {
    const { dispatcher } = harness(2);
    dispatcher.due({ subscriptionId: 1, scheduledFor: slot });
    dispatcher.due({ subscriptionId: 2, scheduledFor: slot });
    dispatcher.due({ subscriptionId: 3, scheduledFor: slot });
    expect(dispatcher.queued).toBe(1);
    expect(dispatcher.warm({ subscriptionId: 4, scheduledFor: slot })).toBe(false);
  });

  it('tells warm runs to stop as soon as a graceful stop begins, and warms up nothing after', async () => {
    const { dispatcher, started } = harness(2);
    dispatcher.warm({ subscriptionId: 1, scheduledFor: slot });
    expect(started[0]?.prewarm?.aborted).toBe(false);
    const stopping = dispatcher.stop(60_000);
    expect(started[0]?.prewarm?.aborted).toBe(true);
    expect(dispatcher.warm({ subscriptionId: 2, scheduledFor: slot })).toBe(false);
    started[0]?.finish();
    await stopping;
    expect(started).toHaveLength(1);
  });
});
