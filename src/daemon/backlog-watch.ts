// The backlog warning: when the oldest due run has waited longer than `warnAfterMs` for a free concurrency
// slot, botd logs a warning and emits a `backlog` event (notifications, metrics). Once per episode: it warns
// again only after the queue has drained, or every `repeatMs` while it persists.
import type { EventBus } from '../events/daemon-events.js';
import type { Dispatcher } from './dispatcher.js';
import type { Logger } from './log.js';

export interface BacklogWatchOptions {
  dispatcher: Dispatcher;
  concurrency: number;
  bus: EventBus;
  log: Logger;
  warnAfterMs?: number;
  repeatMs?: number;
  checkEveryMs?: number;
}

export const defaultBacklogWarnMs = 60_000;

export function oldestWaitMs(dispatcher: Dispatcher, now = Date.now()): number {
  const oldest = dispatcher.oldestQueuedFor;
  return oldest === undefined ? 0 : Math.max(0, now - Date.parse(oldest));
}

export function watchBacklog(options: BacklogWatchOptions): () => void {
  const warnAfterMs = options.warnAfterMs ?? defaultBacklogWarnMs;
  const repeatMs = options.repeatMs ?? 10 * 60_000;
  let warnedAt: number | undefined;
  const timer = setInterval(() => {
    const { dispatcher } = options;
    const now = Date.now();
    const wait = oldestWaitMs(dispatcher, now);
    if (dispatcher.queued === 0) warnedAt = undefined;
    if (wait < warnAfterMs || (warnedAt !== undefined && now - warnedAt < repeatMs)) return;
    warnedAt = now;
    const fields = { queued: dispatcher.queued, running: dispatcher.running, concurrency: options.concurrency, oldestWaitMs: wait };
    options.log.warn('backlog: due runs wait for a free slot', { queued: fields.queued, running: fields.running, concurrency: fields.concurrency, oldest_wait_ms: wait });
    options.bus.emit({ type: 'backlog', ...fields });
  }, options.checkEveryMs ?? 5_000);
  timer.unref();
  return () => clearInterval(timer);
}
