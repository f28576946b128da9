// Pre-warmed executions (botd, `Execution.prewarm`): botd starts one a lead time before its slot. Everything up
// to the spawn happens then (code resolved and bundled, slot claimed, child spawned and its pid recorded); the
// child waits for its start message. At the slot the subscription is read again: still there, enabled and
// still scheduled for this slot → the start message is built from it (config, pair, state read now) and
// sent, and the timeout counts from then; else the child is stopped and the run recorded `skipped`. So a
// template edited within the lead time takes effect one run later; a config edit applies at once.
import type { Subscription } from '../db/schema.js';
import { Calendar } from './calendar.js';
import type { Begin } from './start-message.js';

export interface SlotCheck {
  /** ISO-8601 slot. */
  scheduledFor: string;
  /** Aborted when botd stops before the slot. */
  prewarm: AbortSignal;
  /** The subscription as it is now (undefined: removed). */
  reread(): Promise<Subscription | undefined>;
  /** The start message from the subscription as it is at the slot. */
  start(current: Subscription): Promise<Begin>;
}

/** Waits for the slot, then says whether and how the pre-warmed child starts. */
export async function beginAtSlot(check: SlotCheck): Promise<Begin> {
  const slot = Date.parse(check.scheduledFor);
  if (!(await untilSlot(slot, check.prewarm))) return { status: 'skipped', error: 'botd stopped before its slot', forget: true };
  const now = await check.reread();
  if (!now) return { status: 'skipped', error: 'subscription was removed before its slot' };
  if (now.enabled !== 1) return { status: 'skipped', error: 'paused before its slot' };
  if (!slotStillScheduled(now, slot)) return { status: 'skipped', error: 'schedule changed before its slot' };
  return check.start(now);
}

/** Waits until `slot` (wall clock); false if `stop` is aborted first. */
async function untilSlot(slot: number, stop: AbortSignal): Promise<boolean> {
  for (;;) {
    if (stop.aborted) return false;
    const wait = slot - Date.now();
    if (wait <= 0) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, wait);
      stop.addEventListener('abort', done, { once: true });
    });
  }
}

/** Whether the subscription's current schedule still has `slot`. */
function slotStillScheduled(subscription: Subscription, slot: number): boolean {
  try {
    return new Calendar(subscription.schedule, subscription.timezone).latestAtOrBefore(slot) === slot;
  } catch {
    return false;
  }
}
