// What botd does at start-up about slots that fell due while it was not running.
//
// Policy: for each enabled subscription, look at the latest slot at or before now. If it is later than the
// subscription's last recorded slot (or its creation, before any run), slots were missed:
//   - if that latest missed slot is within the catch-up deadline — one schedule period, at most one hour —
//     it runs once now, as itself (scheduled_for = that slot);
//   - otherwise one `skipped` row is recorded for it, with the error 'missed while botd was down'.
// Older missed slots get no row and no run: never a burst of catch-up runs, never a row per missed slot.
import { Calendar } from './calendar.js';

export const missedRunError = 'missed while botd was down';
export const maxCatchUpDeadlineMs = 3600_000;

export interface ScheduledSubscription {
  id: number;
  schedule: string;
  timezone: string | null;
  created_at: string;
}

export interface MissedRun {
  subscriptionId: number;
  /** The latest missed slot (ms since epoch). */
  slot: number;
  action: 'catch-up' | 'skip';
}

export function missedRuns(
  subscriptions: ScheduledSubscription[],
  lastSlots: Map<number, string>,
  now: number,
  deadlineCapMs = maxCatchUpDeadlineMs,
): MissedRun[] {
  const missed: MissedRun[] = [];
  for (const subscription of subscriptions) {
    let calendar: Calendar;
    try {
      calendar = new Calendar(subscription.schedule, subscription.timezone);
    } catch {
      continue; // the scheduler reports unusable schedules
    }
    const latest = calendar.latestAtOrBefore(now);
    if (latest === null) continue;
    const since = Date.parse(lastSlots.get(subscription.id) ?? subscription.created_at);
    if (!(latest > since)) continue;
    const deadline = Math.min(calendar.periodMs(latest), deadlineCapMs);
    missed.push({ subscriptionId: subscription.id, slot: latest, action: now - latest <= deadline ? 'catch-up' : 'skip' });
  }
  return missed;
}
