// The backlog warning, botd's one word on being behind its schedules. Every few seconds it looks at the
// dispatcher and warns (a `warn` line with the counts, and a `backlog` event for notifications and metrics):
// - whenever slots were lost since the last look (superseded in the queue, or skipped behind a run still
//   going): each is a run that never happened, so the line comes every time, however long the episode;
// - when the oldest queued run has waited longer than `warnAfterMs` for a free concurrency slot, once per
//   episode (again only after a calm minute, or every `repeatMs` while it persists).
// The event follows the episode rule in both cases: a long overload is one notification, not one a look.
import type { EventBus } from '../events/daemon-events.js';
import type { Dispatcher } from './dispatcher.js';
import type { Logger } from './log.js';
import { defaultBacklogWarnMs } from './defaults.js';

export interface BacklogWatchOptions {
  dispatcher: Dispatcher;
  concurrency: number;
  bus: EventBus;
  log: Logger;
  warnAfterMs?: number;
  repeatMs?: number;
  checkEveryMs?: number;
  calmMs?: number;
}

export function oldestWaitMs(dispatcher: Dispatcher, now = Date.now()): number {
  const oldest = dispatcher.oldestQueuedFor;
  return oldest === undefined ? 0 : Math.max(0, now - Date.parse(oldest));
}

export function watchBacklog(options: BacklogWatchOptions): () => void {
  const warnAfterMs = options.warnAfterMs ?? defaultBacklogWarnMs;
  const repeatMs = options.repeatMs ?? 10 * 60_000;
  const calmMs = options.calmMs ?? 60_000;
  let warnedAt: number | undefined;
  let lastTrouble = 0;
  const look = () => {
    const { dispatcher } = options;
    const now = Date.now();
    const wait = oldestWaitMs(dispatcher, now);
    const lost = dispatcher.takeLostSlots();
    const slotsLost = lost.superseded + lost.skippedStillRunning > 0;
    // The episode ends after a calm minute (nothing queued, no slot lost): the finest schedule step, so a
    // subscription that loses each of its slots keeps one episode going rather than notifying every minute.
    if (dispatcher.queued > 0 || slotsLost) lastTrouble = now;
    else if (now - lastTrouble >= calmMs) warnedAt = undefined;
    const repeat = warnedAt !== undefined && now - warnedAt < repeatMs;
    if (!slotsLost && (wait < warnAfterMs || repeat)) return;
    const fields = { queued: dispatcher.queued, running: dispatcher.running, concurrency: options.concurrency, oldestWaitMs: wait };
    options.log.warn('backlog: botd is behind its schedules', {
      superseded: lost.superseded,
      skipped_still_running: lost.skippedStillRunning,
      queued: fields.queued,
      running: fields.running,
      concurrency: fields.concurrency,
      oldest_wait_ms: wait,
    });
    if (repeat) return;
    warnedAt = now;
    options.bus.emit({ type: 'backlog', ...fields, superseded: lost.superseded, skippedStillRunning: lost.skippedStillRunning });
  };
  const timer = setInterval(look, options.checkEveryMs ?? 5_000);
  timer.unref();
  return () => clearInterval(timer);
}
