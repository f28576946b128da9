// The slots of a backtest: when the bot runs over the period, as botd would fire it. `--every TF` is a slot at every
// TF boundary; `--schedule CRON` is the subscription's calendar (croner, as botd's scheduler uses it).
import { Calendar } from '../daemon/calendar.js';
import { errorText, invalid } from '../errors.js';
import { timeframeMs } from '../sdk/strategy/candles.js';

export type Slots = { from: number; step: number; count: number } | { times: number[] };

/** Past this many slots, a backtest is refused before it starts (a year of 1m slots is 525,600). */
export const maxSlots = 5_000_000;

export function slotsOf(from: number, to: number, how: { every?: string | undefined; schedule?: string | undefined; timezone?: string | undefined }): Slots {
  if (how.every !== undefined && how.schedule !== undefined) throw invalid('Give one of `--every` and `--schedule`, not both.');
  if (how.schedule !== undefined) return scheduled(from, to, how.schedule, how.timezone ?? 'UTC');
  let step: number;
  try {
    step = timeframeMs(how.every ?? '1h');
  } catch {
    throw invalid(`Expected \`--every\` to be a timeframe such as 1m, 15m or 1h, got ${JSON.stringify(how.every)}.`);
  }
  const first = Math.ceil(from / step) * step;
  const count = Math.max(0, Math.ceil((to - first) / step));
  if (count > maxSlots) throw invalid(`The period holds ${count} slots of ${how.every}; a backtest runs at most ${maxSlots}.`);
  return { from: first, step, count };
}

function scheduled(from: number, to: number, schedule: string, timezone: string): Slots {
  let calendar: Calendar;
  try {
    calendar = new Calendar(schedule, timezone);
  } catch (error) {
    throw invalid(`Expected \`--schedule\` to be a cron expression, got ${JSON.stringify(schedule)}: ${errorText(error)}.`);
  }
  const times: number[] = [];
  for (let t = calendar.next(from - 1); t !== null && t < to; t = calendar.next(t)) {
    times.push(t);
    if (times.length > maxSlots) throw invalid(`The schedule fires more than ${maxSlots} times in the period; a backtest runs at most that many slots.`);
  }
  return { times };
}

export function slotCount(slots: Slots): number {
  return 'times' in slots ? slots.times.length : slots.count;
}

export function slotTime(slots: Slots, i: number): number {
  return 'times' in slots ? (slots.times[i] ?? NaN) : slots.from + i * slots.step;
}
