// The simulated clock of a backtest child (and of a run given a clock): Date.now(), `new Date()` and the timer
// functions read and advance simulated time instead of the machine's.
//
// Timers are kept in simulated time: one that is due fires as soon as the bot is idle, that is, when no exchange call
// is waiting for its answer, and moves the clock to its due time. So `await sleep(60_000)` costs no real time and
// leaves Date.now() a minute later, while a timeout raced against an exchange call does not fire before the answer
// (an exchange call takes no simulated time). Timers still pending when a slot ends are dropped, as a run's child
// leaves nothing behind it.

interface Timer {
  id: number;
  due: number;
  run: () => void;
  every: number | undefined;
}

export interface SimClock {
  now(): number;
  /** Moves the clock to `t` and drops the timers still pending. */
  reset(t: number): void;
  /** Exchange calls waiting for an answer: timers wait while there are any. */
  busy(delta: 1 | -1): void;
}

export function installSimClock(start: number): SimClock {
  const RealDate = Date;
  const realSetImmediate = setImmediate;
  let current = start;
  let pendingCalls = 0;
  let timers: Timer[] = [];
  let nextId = 1;
  let armed = false;

  class SimDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(current);
      else super(...(args as [string | number]));
    }

    static override now(): number {
      return current;
    }
  }
  globalThis.Date = SimDate as DateConstructor;

  const fire = () => {
    armed = false;
    if (pendingCalls > 0 || timers.length === 0) return;
    let first = 0;
    for (let i = 1; i < timers.length; i++) if (timers[i]!.due < timers[first]!.due || (timers[i]!.due === timers[first]!.due && timers[i]!.id < timers[first]!.id)) first = i;
    const timer = timers[first]!;
    current = Math.max(current, timer.due);
    if (timer.every === undefined) timers.splice(first, 1);
    else timer.due += timer.every;
    arm();
    timer.run();
  };
  const arm = () => {
    if (!armed && pendingCalls === 0 && timers.length > 0) {
      armed = true;
      realSetImmediate(fire);
    }
  };
  const handle = (id: number) => ({
    id,
    ref() { return this; },
    unref() { return this; },
    hasRef: () => true,
    refresh() { return this; },
    [Symbol.toPrimitive]: () => id,
  });
  const add = (fn: unknown, ms: unknown, args: unknown[], every: boolean) => {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function.');
    const delay = Math.max(every ? 1 : 0, Number(ms) || 0);
    const id = nextId++;
    timers.push({ id, due: current + delay, run: () => (fn as (...a: unknown[]) => void)(...args), every: every ? delay : undefined });
    arm();
    return handle(id);
  };
  const clear = (h: unknown) => {
    const id = typeof h === 'object' && h !== null ? (h as { id?: unknown }).id : h;
    timers = timers.filter((t) => t.id !== id);
  };
  const g = globalThis as Record<string, unknown>;
  g['setTimeout'] = (fn: unknown, ms?: unknown, ...args: unknown[]) => add(fn, ms, args, false);
  g['setInterval'] = (fn: unknown, ms?: unknown, ...args: unknown[]) => add(fn, ms, args, true);
  g['clearTimeout'] = clear;
  g['clearInterval'] = clear;

  return {
    now: () => current,
    reset(t) {
      current = t;
      timers = [];
    },
    busy(delta) {
      pendingCalls += delta;
      arm();
    },
  };
}
