import { Cron, type CronOptions } from 'croner';
import { invalid, shown } from '../errors.js';
import { hasControlChars } from '../text/control-chars.js';

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
  if (hasControlChars(value)) throw badTimezone(value);
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
  if (hasControlChars(value)) throw badCron(value, 'it contains control characters');
  const schedule = value.trim().replace(/ +/g, ' ');
  if (schedule.length === 0 || schedule.length > 200) throw badCron(value, '');
  if (/^\S+( \S+){5,6}$/.test(schedule) && !schedule.startsWith('@')) {
    throw badCron(value, 'a seconds (or year) field is not supported; schedules have minute resolution');
  }
  let cron: Cron;
  try {
    cron = new Cron(schedule, cronOptions(timezone));
  } catch (error) {
    throw badCron(value, cronReason(schedule, error));
  }
  try {
    const nextRuns = cron.nextRuns(3, from);
    if (nextRuns.length === 0) throw badCron(value, 'it never fires');
    return { schedule, timezone, nextRuns };
  } finally {
    cron.stop();
  }
}

const fieldNames = ['minute', 'hour', 'day of month', 'month', 'weekday'];

/** croner's message in our words: its field counts (five, six or seven) and numbering are its own. */
function cronReason(schedule: string, error: unknown): string {
  const text = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
  const fields = schedule.split(' ');
  if (!schedule.startsWith('@') && fields.length !== 5) return `it has ${fields.length} field${fields.length === 1 ? '' : 's'}, not five`;
  const entry = /configuration entry (\d+) \((.*)\) contains illegal characters/.exec(text);
  if (entry) return `the ${fieldNames[Number(entry[1]) - 1] ?? 'field'} field ${shown(entry[2])} has characters cron does not allow`;
  const value = /^Invalid value for (\w+): (.*)$/i.exec(text);
  if (value) return `${shown(value[2])} is out of range for the ${value[1] === 'day' ? 'day of month' : value[1]} field`;
  return text.replace(/\.+$/, '').replace(/^./, (c) => c.toLowerCase());
}

function badCron(value: string, reason: string) {
  return invalid(
    `Expected \`--schedule\` to be a five-field cron expression (minute hour day month weekday) such as "*/15 * * * *", got ${shown(value)}${reason ? `: ${reason}` : ''}.`,
  );
}
