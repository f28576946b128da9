import { Cron, type CronOptions } from 'croner';
import { invalid, shown } from '../errors.js';
import { hasControlCharacters } from '../text.js';

// Schedules are classic five-field cron expressions (minute hour day-of-month month day-of-week), plus
// croner's nicknames (@hourly, @daily, …), evaluated in the subscription's IANA time zone.
// A seconds field is refused on purpose: every fire starts a fresh child process (~0.06 s and ~40 MB at
// best) and records a run row, so one minute is the finest granularity botd offers.
// The daemon must build its Cron with the same options, so the times shown here are the times it fires.
export function cronOptions(timezone: string): CronOptions {
  return { timezone, mode: '5-part', paused: true };
}

export interface ValidSchedule {
  schedule: string;
  /** Canonical IANA name, e.g. 'UTC' for 'utc'. */
  timezone: string;
  /** The next three fire times from `from`. */
  nextRuns: Date[];
}

export function validateTimezone(value: string): string {
  const text = value.trim();
  if (hasControlCharacters(value)) throw badTimezone(value);
  // IANA names only: offsets like "+01:00" would silently ignore daylight-saving time.
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{1,63}$/.test(text)) throw badTimezone(value);
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    throw badTimezone(value);
  }
}

function badTimezone(value: string) {
  return invalid(`Expected \`--timezone\` to be an IANA time zone such as UTC or Europe/Berlin, got ${shown(value)}.`);
}

export function validateSchedule(value: string, timezoneValue = 'UTC', from = new Date()): ValidSchedule {
  const timezone = validateTimezone(timezoneValue);
  if (hasControlCharacters(value)) throw badCron(value, 'it contains control characters');
  const schedule = value.trim().replace(/ +/g, ' ');
  if (schedule.length === 0 || schedule.length > 200) throw badCron(value, '');
  if (/^\S+( \S+){5,6}$/.test(schedule) && !schedule.startsWith('@')) {
    throw badCron(value, 'a seconds (or year) field is not supported; schedules have minute resolution');
  }
  let cron: Cron;
  try {
    cron = new Cron(schedule, cronOptions(timezone));
  } catch (error) {
    throw badCron(value, error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error));
  }
  try {
    const nextRuns = cron.nextRuns(3, from);
    if (nextRuns.length === 0) throw badCron(value, 'it never fires');
    return { schedule, timezone, nextRuns };
  } finally {
    cron.stop();
  }
}

function badCron(value: string, reason: string) {
  return invalid(
    `Expected \`--schedule\` to be a five-field cron expression (minute hour day month weekday) such as "*/15 * * * *", got ${shown(value)}${reason ? `: ${reason}` : ''}.`,
  );
}
