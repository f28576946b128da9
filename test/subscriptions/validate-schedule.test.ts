import { describe, expect, it } from 'vitest';
import { validateSchedule, validateTimezone } from '../../src/subscriptions/validate-schedule.js';
import { expectBotctlError } from '../support/expect-error.js';

const from = new Date('2026-03-28T22:50:00Z');
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('validateSchedule', () => {
  it('returns the next three fire times in UTC by default', () => {
    const result = validateSchedule('*/15 * * * *', undefined, from);
    expect(result).toMatchObject({ schedule: '*/15 * * * *', timezone: 'UTC' });
    expect(iso(result.nextRuns)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-28T23:15:00.000Z', '2026-03-28T23:30:00.000Z']);
  });

  it('reads the expression in the given time zone, across a daylight-saving change', () => {
    // Europe/Berlin moves from UTC+1 to UTC+2 on 2026-03-29.
    const result = validateSchedule('0 9 * * *', 'Europe/Berlin', from);
    expect(iso(result.nextRuns)).toEqual(['2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z', '2026-03-31T07:00:00.000Z']);
  });

  it('accepts nicknames and normalises blanks', () => {
    expect(validateSchedule('@hourly', 'UTC', from).nextRuns).toHaveLength(3);
    expect(validateSchedule('  0   *  * * * ', 'UTC', from).schedule).toBe('0 * * * *');
  });

  it.each([
    ['every 5', 'it has 2 fields, not five'],
    ['60 * * * *', '"60" is out of range for the minute field'],
    ['* 25 * * *', '"25" is out of range for the hour field'],
    ['a * * * *', 'the minute field "a" has characters cron does not allow'],
    ['* * * * * *', 'a seconds (or year) field is not supported'],
    ['0 0 30 2 *', 'it never fires'],
    ['', ''],
    ['* * * *\n *', ''],
    ['x'.repeat(300), ''],
  ])('refuses %j with exit 2, saying what was expected and what arrived', async (schedule, reason) => {
    const error = await expectBotctlError(() => validateSchedule(schedule, 'UTC', from), {
      message: /^Expected `--schedule` to be a five-field cron expression \(minute hour day month weekday\) such as "\*\/15 \* \* \* \*", got /,
    });
    if (reason) expect(error.message).toContain(reason);
    // croner's own wording (its five, six or seven parts, its entry numbers) stays out.
    expect(error.message).not.toMatch(/CronPattern|six, or seven|configuration entry/);
  });
});

describe('validateTimezone', () => {
  it('canonicalises IANA names', () => {
    expect(validateTimezone('utc')).toBe('UTC');
    expect(validateTimezone('America/New_York')).toBe('America/New_York');
  });

  it.each(['Mars/Olympus', '+01:00', 'UTC+1', 'Europe/../etc', '', 'Europe/Berlin\n'])('refuses %j with exit 2', async (tz) => {
    await expectBotctlError(() => validateTimezone(tz), { message: /^Expected `--timezone` to be an IANA time zone such as UTC or Europe\/Berlin, got / });
  });
});
