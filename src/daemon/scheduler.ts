// When each enabled subscription is due. One timer for the earliest slot of all (a min-heap of next fire
// times), croner as the calendar (calendar.ts), and a reload whenever another process changes the database
// (botd calls reload() on the change feed, src/db/change-feed.ts: within ~0.5 s on SQLite, milliseconds on
// PostgreSQL).
//
// A reload diffs by (schedule, timezone) and enabled: unchanged subscriptions keep their next slot, so
// editing one subscription never disturbs another. Slots already due are fired *before* the diff, so a
// change landing in the same instant as a tick neither loses nor repeats it; a changed schedule starts at
// its first slot after now. Config, pair and code are not the scheduler's business: the runner reads them
// fresh for every execution.
//
// With `onWarm`, each slot also fires a warm-up event `warmLeadMs` before it (same heap, same generations):
// botd spawns that execution's child ahead of time and starts it at the slot (see prewarm.ts).
// A warm-up event whose time has already passed when its slot is scheduled fires at once; one whose slot
// is already due is not fired (the slot is dispatched as usual).
import type { Subscription } from '../db/schema.js';
import { coalesced } from '../coalesced.js';
import { Calendar } from './calendar.js';
import { errorText, type Logger } from './log.js';

/** A subscription as the scheduler reads it. */
export type ScheduledRow = Pick<Subscription, 'id' | 'schedule' | 'timezone' | 'created_at'>;

export interface SchedulerOptions {
  /** The enabled subscriptions, read fresh: at start and at every reload. */
  readEnabled(): Promise<ScheduledRow[]>;
  /** A slot is due. `slot` is its exact scheduled time (ms since epoch). */
  onDue(subscriptionId: number, slot: number, next: number | null): void;
  /** A slot is `warmLeadMs` away (optional): its child may be spawned ahead of time. */
  onWarm?(subscriptionId: number, slot: number): void;
  warmLeadMs?: number;
  log: Logger;
  /** How often slots are checked besides their timer (a clock that jumped), and the tick health looks at. */
  pollMs?: number;
}

// Only strings and numbers per subscription: a Calendar (croner) is created when a slot is computed.
interface Entry {
  key: string;
  schedule: string;
  timezone: string | null;
  createdAt: string;
  next: number | null;
  generation: number;
}

interface Slot {
  at: number;
  id: number;
  generation: number;
  /** Set for a warm-up event: the slot it warms up for. */
  warmFor?: number;
}

export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #entries = new Map<number, Entry>();
  readonly #heap = new SlotHeap();
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Infinity;
  #poll: NodeJS.Timeout | undefined;
  #running = false;
  #lastTick = Date.now();

  constructor(options: SchedulerOptions) {
    this.#options = options;
  }

  /** When the scheduler last checked its slots (ms since epoch): health and the systemd watchdog. */
  get lastTick(): number {
    return this.#lastTick;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Subscriptions currently scheduled. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Loads every enabled subscription and starts the timers. `initial` sees each subscription of that first
   * load with its calendar, while it is at hand: botd applies its missed-run policy there.
   */
  async start(initial?: (row: ScheduledRow, calendar: Calendar, now: number) => void): Promise<void> {
    this.#running = true;
    this.#apply(await this.#options.readEnabled(), initial);
    this.#poll = setInterval(() => this.#tick(), this.#options.pollMs ?? 500);
  }

  stop(): void {
    this.#running = false;
    clearInterval(this.#poll);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
  }

  /**
   * Re-reads enabled subscriptions and applies the difference. One at a time: a reload asked for while one runs
   * runs once more after it, so the last change is always seen. A read that fails is logged and retried at the
   * next change (or the next call).
   */
  reload(): Promise<void> {
    return this.#reload();
  }

  readonly #reload = coalesced(async () => {
    if (!this.#running) return;
    try {
      const rows = await this.#options.readEnabled();
      if (this.#running) this.#apply(rows);
    } catch (error) {
      this.#options.log.error('schedule reload failed; retrying at the next change', { error: errorText(error) });
    }
  });

  // Synchronous from here: the diff follows the due slots fired first with nothing in between, so a change landing
  // in the same instant as a tick neither loses nor repeats it.
  #apply(rows: ScheduledRow[], initial?: (row: ScheduledRow, calendar: Calendar, now: number) => void): void {
    this.#fireDue();
    const now = Date.now();
    const seen = new Set<number>();
    let added = 0;
    let changed = 0;
    let removed = 0;
    for (const row of rows) {
      seen.add(row.id);
      const key = `${row.timezone ?? 'UTC'}\u0000${row.schedule}`;
      const current = this.#entries.get(row.id);
      if (current?.key === key) continue;
      if (current) changed++;
      else added++;
      const calendar = this.#schedule(row.id, key, row.schedule, row.timezone, row.created_at, now);
      if (calendar && initial) initial(row, calendar, now);
    }
    for (const id of this.#entries.keys()) {
      if (!seen.has(id)) {
        this.#entries.delete(id);
        removed++;
      }
    }
    // Replaced and removed entries leave stale heap slots behind; rebuild once they outnumber live ones.
    if (this.#heap.size > 4 * this.#entries.size + 64) this.#rebuildHeap();
    if (added || changed || removed) {
      this.#options.log.info('schedule reloaded', { subscriptions: this.#entries.size, added, changed, removed });
    }
    this.#arm();
  }

  /** Calls `visit` for every scheduled subscription with its calendar (botd re-applies its missed-run policy). */
  revisit(visit: (row: ScheduledRow, calendar: Calendar, now: number) => void): void {
    const now = Date.now();
    for (const [id, entry] of this.#entries) {
      try {
        visit({ id, schedule: entry.schedule, timezone: entry.timezone, created_at: entry.createdAt }, new Calendar(entry.schedule, entry.timezone), now);
      } catch (error) {
        this.#options.log.error('revisit failed', { subscription_id: id, error: errorText(error) });
      }
    }
  }

  #schedule(id: number, key: string, schedule: string, timezone: string | null, createdAt: string, now: number): Calendar | undefined {
    const generation = ++this.#generation;
    let calendar: Calendar | undefined;
    let next: number | null = null;
    try {
      calendar = new Calendar(schedule, timezone);
      next = calendar.next(now);
    } catch (error) {
      this.#options.log.error('schedule cannot be used; subscription not scheduled', {
        subscription_id: id,
        schedule,
        timezone,
        error: errorText(error),
      });
    }
    this.#entries.set(id, { key, schedule, timezone, createdAt, next, generation });
    if (next !== null) this.#push(id, next, generation);
    return calendar;
  }

  #rebuildHeap(): void {
    this.#heap.clear();
    for (const [id, entry] of this.#entries) if (entry.next !== null) this.#push(id, entry.next, entry.generation);
  }

  // A slot, and its warm-up event when warm-ups are on.
  #push(id: number, at: number, generation: number): void {
    this.#heap.push({ at, id, generation });
    if (this.#options.onWarm && this.#options.warmLeadMs) this.#heap.push({ at: at - this.#options.warmLeadMs, id, generation, warmFor: at });
  }

  // A safety net for a timer that fired early against the wall clock (clock adjustments), and the tick health sees.
  #tick(): void {
    this.#fireDue();
    this.#arm();
  }

  #fireDue(): void {
    const now = Date.now();
    this.#lastTick = now;
    for (let top = this.#heap.peek(); top && top.at <= now; top = this.#heap.peek()) {
      this.#heap.pop();
      const entry = this.#entries.get(top.id);
      if (!entry || entry.generation !== top.generation) continue;
      if (top.warmFor !== undefined) {
        // Only for the slot still next, and only ahead of it.
        if (entry.next !== top.warmFor || top.warmFor <= now) continue;
        try {
          this.#options.onWarm?.(top.id, top.warmFor);
        } catch (error) {
          this.#options.log.error('warm-up failed', { subscription_id: top.id, error: errorText(error) });
        }
        continue;
      }
      const calendar = new Calendar(entry.schedule, entry.timezone);
      let slot = top.at;
      let next = calendar.next(slot);
      if (next !== null && next <= now) {
        // Behind by more than one slot (the process was suspended, or the event loop blocked): fire only
        // the latest due slot, never a burst.
        const latest = calendar.latestAtOrBefore(now) ?? slot;
        this.#options.log.warn('behind schedule: only the latest due slot runs', {
          subscription_id: top.id, from: new Date(top.at).toISOString(), to: new Date(latest).toISOString(),
        });
        slot = latest;
        next = calendar.next(Math.max(slot, now));
      }
      entry.next = next;
      if (next !== null) this.#push(top.id, next, entry.generation);
      try {
        this.#options.onDue(top.id, slot, next);
      } catch (error) {
        this.#options.log.error('dispatch failed', { subscription_id: top.id, error: errorText(error) });
      }
    }
  }

  #arm(): void {
    if (!this.#running) return;
    const top = this.#heap.peek();
    const at = top?.at ?? Infinity;
    if (at === this.#armedFor && this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = at;
    if (!Number.isFinite(at)) return;
    // setTimeout holds at most ~24.8 days; the poll re-arms long before that matters.
    const delay = Math.min(Math.max(at - Date.now(), 0), 2 ** 31 - 1);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#armedFor = Infinity;
      this.#fireDue();
      this.#arm();
    }, delay);
  }
}

/** A binary min-heap of slots by time. */
class SlotHeap {
  #items: Slot[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): Slot | undefined {
    return this.#items[0];
  }

  clear(): void {
    this.#items = [];
  }

  push(slot: Slot): void {
    const items = this.#items;
    items.push(slot);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as Slot;
      if (p.at <= slot.at) break;
      items[i] = p;
      i = parent;
    }
    items[i] = slot;
  }

  pop(): Slot | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && (items[right] as Slot).at < (items[left] as Slot).at ? right : left;
      if ((items[child] as Slot).at >= last.at) break;
      items[i] = items[child] as Slot;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
