// The backlog warning with botd's real dispatcher: runs that cannot start (concurrency 1, the first never
// ends) wait in its queue; once the oldest has waited past the threshold botd warns once, with the figures.
import { afterEach, describe, expect, it } from 'vitest';
import { oldestWaitMs, watchBacklog } from '../../src/daemon/backlog-watch.js';
import { Dispatcher } from '../../src/daemon/dispatcher.js';
import type { RunReport } from '../../src/daemon/runner.js';
import { EventBus, type DaemonEvent } from '../../src/events/daemon-events.js';
import { until } from './helpers.js';

const stops: (() => void)[] = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));

/** A dispatcher at concurrency 1 whose runs never end (until the test is over), with its log and events. */
function blockedDispatcher() {
  const logs: { msg: string; fields: Record<string, unknown> }[] = [];
  const entry = (msg: string, fields: Record<string, unknown> = {}) => logs.push({ msg, fields });
  const log = { debug: entry, info: entry, warn: entry, error: entry };
  let release: () => void = () => {};
  const blocked = new Promise<void>((resolve) => (release = resolve));
  stops.push(() => release());
  const dispatcher = new Dispatcher({
    concurrency: 1,
    log,
    execute: async (job) => {
      await blocked;
      return { runId: 1, subscriptionId: job.subscriptionId, scheduledFor: job.scheduledFor, status: 'succeeded', error: null, codeSha256: null, durationMs: 0, pausedReason: null } satisfies RunReport;
    },
    skip: () => {},
  });
  const bus = new EventBus();
  const events: DaemonEvent[] = [];
  bus.on((e) => events.push(e));
  return { logs, log, dispatcher, bus, events, release: () => release() };
}

describe('backlog warning', () => {
  it('warns once per episode when the oldest queued run waits too long, on the log and the bus', async () => {
    const { logs, log, dispatcher, bus, events, release } = blockedDispatcher();
    stops.push(watchBacklog({ dispatcher, concurrency: 1, bus, log, warnAfterMs: 200, checkEveryMs: 50 }));
    const slot = new Date(Date.now() - 100).toISOString();
    for (const subscriptionId of [1, 2, 3]) dispatcher.due({ subscriptionId, scheduledFor: slot });
    expect(dispatcher.queued).toBe(2);
    expect(oldestWaitMs(dispatcher)).toBeGreaterThanOrEqual(100);
    await until('a backlog event', () => events.find((e) => e.type === 'backlog'), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const backlog = events.filter((e) => e.type === 'backlog');
    expect(backlog).toHaveLength(1);
    expect(backlog[0]).toMatchObject({ type: 'backlog', queued: 2, running: 1, concurrency: 1 });
    expect((backlog[0] as { oldestWaitMs: number }).oldestWaitMs).toBeGreaterThanOrEqual(200);
    expect(logs.filter((l) => l.msg === 'backlog: botd is behind its schedules')).toMatchObject([{ fields: { superseded: 0, skipped_still_running: 0, queued: 2, running: 1, concurrency: 1 } }]);
    release();
    await until('the queue to drain', () => dispatcher.queued === 0 && dispatcher.running === 0 || undefined, 10_000);
    expect(oldestWaitMs(dispatcher)).toBe(0);
  });

  it('warns on every look that finds slots lost, and notifies once for the episode', async () => {
    const { logs, log, dispatcher, bus, events } = blockedDispatcher();
    stops.push(watchBacklog({ dispatcher, concurrency: 1, bus, log, warnAfterMs: 60_000, checkEveryMs: 20 }));
    const warnings = () => logs.filter((l) => l.msg === 'backlog: botd is behind its schedules');
    dispatcher.due({ subscriptionId: 1, scheduledFor: new Date(Date.now() - 2_000).toISOString() });
    dispatcher.due({ subscriptionId: 1, scheduledFor: new Date(Date.now() - 1_000).toISOString() });
    await until('the first warning', () => warnings()[0], 10_000);
    dispatcher.due({ subscriptionId: 1, scheduledFor: new Date().toISOString() });
    await until('the second warning', () => warnings()[1], 10_000);
    expect(warnings().map((w) => w.fields)).toMatchObject([
      { superseded: 0, skipped_still_running: 1 },
      { superseded: 0, skipped_still_running: 1 },
    ]);
    expect(events.filter((e) => e.type === 'backlog')).toMatchObject([{ type: 'backlog', superseded: 0, skippedStillRunning: 1, running: 1 }]);
  });
});
