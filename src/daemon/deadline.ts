// A run's deadline, judged by what happened rather than by when botd got round to looking. After a stall of
// botd itself (SIGSTOP, a VM pause, a long GC pause) Node runs its expired timers *before* it polls for I/O:
// a child that reported its result and exited well within its time would be found "timed out", its result
// and exit still unread in the kernel (seen: 3 of 4 clean runs recorded timed_out or crashed after a 90 s
// stop). So when the timer fires, botd first reads what is already there (one poll phase: setImmediate
// runs after it), and when the timer fired late, which only a stall explains, it also waits a moment for
// the rest to arrive. Only then, with no result and no exit seen, is the run past its deadline.

/** Lateness of a timer that means the event loop did not run: far above any timer jitter under load. */
const stallMs = 250;
/** After a stall, how long the I/O that piled up gets to be read before the deadline counts. */
const stallGraceMs = 200;

/**
 * Calls `expire` once `ms` have passed, unless `settled()` (a result or an exit was seen) holds once the
 * pending I/O has been read. Returns a function that cancels it.
 */
export function startDeadline(ms: number, settled: () => boolean, expire: () => void): () => void {
  const due = performance.now() + ms;
  let cancelled = false;
  let grace: NodeJS.Timeout | undefined;
  const decide = () => {
    if (!cancelled && !settled()) expire();
  };
  const timer = setTimeout(() => {
    if (cancelled || settled()) return;
    const late = performance.now() - due;
    if (late > stallMs) grace = setTimeout(decide, stallGraceMs);
    else setImmediate(decide);
  }, ms);
  return () => {
    cancelled = true;
    clearTimeout(timer);
    clearTimeout(grace);
  };
}
