// What botd does at start-up about slots that fell due while it was not running.
//
// Policy: for each enabled subscription, look at the latest slot at or before now. If it is later than the
// subscription's last recorded slot (or its creation, before any run), slots were missed:
//   - if that latest missed slot is within the catch-up deadline — one schedule period, at most one hour —
//     it runs once now, as itself (scheduled_for = that slot);
//   - otherwise one `skipped` row is recorded for it, with the error 'missed while botd was down'.
// Older missed slots get no row and no run: never a burst of catch-up runs, never a row per missed slot.
import type { Calendar } from './calendar.js';
import { maxCatchUpDeadlineMs } from './defaults.js';

export const missedRunError = 'missed while botd was down';

export interface MissedRun {
  /** The latest missed slot (ms since epoch). */
  slot: number;
  action: 'catch-up' | 'skip';
}

/**
 * The policy for one subscription. `since`: its last recorded slot, or its creation if it never ran.
 * Costs one next-slot computation when nothing was missed, the usual case.
 */
export function missedRun(calendar: Calendar, since: number, now: number, deadlineCapMs = maxCatchUpDeadlineMs): MissedRun | null {
  const first = Number.isFinite(since) ? calendar.next(since) : null;
  if (first === null || first > now) return null;
  const latest = calendar.latestAtOrBefore(now) ?? first;
  const deadline = Math.min(calendar.periodMs(latest), deadlineCapMs);
  return { slot: latest, action: now - latest <= deadline ? 'catch-up' : 'skip' };
}
