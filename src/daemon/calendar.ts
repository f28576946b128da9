// Fire times of a subscription's schedule, computed by croner in the subscription's time zone.
//
// botd keeps no Cron job per subscription: a croner instance weighs ~120 KB (its pattern holds a
// 10,000-entry year table) and each job re-arms a timer every 30 s, so 10,000 subscriptions would cost
// ~1.2 GB and ~330 wake-ups a second. Croner here is only the calendar; the scheduler keeps one timer for
// the earliest due slot, and a few recently used Cron instances are shared between equal schedules.
import { Cron } from 'croner';

// Same fire times as the subscription validator's five-field mode (seconds are 0); six-field schedules
// with seconds are honoured too, though botctl refuses them (tests insert them directly for fast ticks).
const cronMode = '5-or-6-parts' as const;
const cacheSize = 64;
const cache = new Map<string, Cron>();

// croner converts through Intl for every computation in a named time zone (~300 µs); a zero UTC offset is
// the same calendar for UTC at ~3 µs, and UTC is what most subscriptions use.
const utcNames = new Set(['UTC', 'Etc/UTC', 'Etc/UCT', 'UCT', 'GMT', 'Etc/GMT', 'Etc/GMT0', 'Etc/GMT+0', 'Etc/GMT-0', 'GMT0', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu']);

function cron(schedule: string, timezone: string): Cron {
  const key = `${timezone}\u0000${schedule}`;
  let job = cache.get(key);
  if (job) {
    // Map keeps insertion order: re-inserting marks it most recently used.
    cache.delete(key);
  } else {
    const zone = utcNames.has(timezone) ? { utcOffset: 0 } : { timezone };
    job = new Cron(schedule, { ...zone, mode: cronMode, paused: true });
    if (cache.size >= cacheSize) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  }
  cache.set(key, job);
  return job;
}

/**
 * One schedule's calendar. Create it where it is used and let it go: it holds a croner instance (shared
 * with other calendars of the same schedule while it stays among the recently used).
 */
export class Calendar {
  readonly schedule: string;
  readonly timezone: string;
  readonly #job: Cron;

  /** Throws when croner cannot parse the schedule or time zone. */
  constructor(schedule: string, timezone: string | null) {
    this.schedule = schedule;
    this.timezone = timezone || 'UTC';
    this.#job = cron(this.schedule, this.timezone);
  }

  /** The first fire time strictly after `after` (ms since epoch), or null if it never fires again. */
  next(after: number): number | null {
    return this.#job.nextRun(new Date(after))?.getTime() ?? null;
  }

  /** The last fire time at or before `at`, or null if there is none. */
  latestAtOrBefore(at: number): number | null {
    // croner's previousRuns() looks strictly before its reference second, so reference the next second.
    const [latest] = this.#job.previousRuns(1, new Date(Math.floor(at / 1000) * 1000 + 1000));
    const time = latest?.getTime();
    return time !== undefined && time <= at ? time : null;
  }

  /** The shortest gap between the next few fire times after `from`: the schedule's period, for timeouts. */
  periodMs(from: number): number {
    const runs = this.#job.nextRuns(4, new Date(from)).map((d) => d.getTime());
    let period = Infinity;
    for (let i = 1; i < runs.length; i++) period = Math.min(period, (runs[i] ?? 0) - (runs[i - 1] ?? 0));
    return Number.isFinite(period) && period > 0 ? period : 24 * 3600_000;
  }
}

/** Default run timeout: 80 % of the period, at most 10 minutes, so a run ends before its next slot. */
export function defaultTimeoutMs(periodMs: number): number {
  return Math.max(100, Math.min(Math.floor(periodMs * 0.8), 10 * 60_000));
}
