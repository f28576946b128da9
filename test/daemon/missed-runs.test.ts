import { describe, expect, it } from 'vitest';
import { Calendar, defaultTimeoutMs } from '../../src/daemon/calendar.js';
import { missedRun } from '../../src/daemon/missed-runs.js';

const at = (iso: string) => Date.parse(iso);
const policy = (schedule: string, since: string, timezone: string | null = 'UTC') => missedRun(new Calendar(schedule, timezone), at(since), now);
const now = at('2026-03-10T12:34:20.000Z');

describe('missed-run policy', () => {
  it('catches up only the latest missed slot when it is within one period', () => {
    // Every 15 minutes; last run at 11:00: 11:15 … 12:30 missed, 12:30 is 4m20s ago, within 15 minutes.
    expect(policy('*/15 * * * *', '2026-03-10T11:00:00.000Z')).toEqual({ slot: at('2026-03-10T12:30:00.000Z'), action: 'catch-up' });
  });

  it('records one skipped slot when the latest missed slot is older than its deadline', () => {
    // Daily at 06:00 (6 h 34 m ago), deadline capped at one hour.
    expect(policy('0 6 * * *', '2026-03-08T06:00:00.000Z')).toEqual({ slot: at('2026-03-10T06:00:00.000Z'), action: 'skip' });
  });

  it('does nothing when no slot was missed', () => {
    expect(policy('*/15 * * * *', '2026-03-10T12:30:00.000Z')).toBeNull();
    // Created after the latest slot, never run.
    expect(policy('0 6 * * *', '2026-03-10T07:00:00.000Z')).toBeNull();
  });

  it('honours the time zone', () => {
    // 08:00 in New York is 12:00 UTC in March (EDT from 8 March): 34 minutes ago, within the hour cap.
    expect(policy('0 8 * * *', '2026-03-09T00:00:00.000Z', 'America/New_York')).toEqual({ slot: at('2026-03-10T12:00:00.000Z'), action: 'catch-up' });
  });
});

describe('calendar', () => {
  it('computes fire times in the time zone, latest slot at or before a time, and the period', () => {
    const calendar = new Calendar('0 9 * * 1-5', 'Europe/Berlin');
    // Friday 2026-03-13 09:00 in Berlin is 08:00 UTC; the next is Monday.
    expect(new Date(calendar.next(at('2026-03-13T08:00:00.000Z')) ?? 0).toISOString()).toBe('2026-03-16T08:00:00.000Z');
    expect(new Date(calendar.latestAtOrBefore(at('2026-03-13T08:00:00.000Z')) ?? 0).toISOString()).toBe('2026-03-13T08:00:00.000Z');
    expect(new Date(calendar.latestAtOrBefore(at('2026-03-13T07:59:59.999Z')) ?? 0).toISOString()).toBe('2026-03-12T08:00:00.000Z');
    expect(new Calendar('*/15 * * * *', null).periodMs(Date.now())).toBe(15 * 60_000);
    expect(new Calendar('*/2 * * * * *', null).periodMs(Date.now())).toBe(2_000);
    expect(() => new Calendar('every five minutes', 'UTC')).toThrow();
  });

  it('defaults a run timeout to 80 % of the period, at most ten minutes', () => {
    expect(defaultTimeoutMs(60_000)).toBe(48_000);
    expect(defaultTimeoutMs(3600_000)).toBe(600_000);
    expect(defaultTimeoutMs(2_000)).toBe(1_600);
  });
});
