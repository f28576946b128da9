// Spacing between sends to one receiver: Telegram allows about one message per second per chat (more and it
// answers 429). Keyed, so two channels to the same chat share the spacing.
export class RateGate {
  readonly #nextAt = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** Resolves when a send to `key` may go; reserves that moment. */
  async wait(key: string, signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.#nextAt.get(key) ?? 0);
    this.#nextAt.set(key, at + this.intervalMs);
    if (at > now) await sleep(at - now, signal);
  }

  /**
   * A send to `key` has been answered: the next one waits a full interval from now, so the receiver sees
   * them at least that far apart however long this one took on the way.
   */
  sent(key: string): void {
    this.holdUntil(key, Date.now() + this.intervalMs);
  }

  /** The receiver asked for a pause (429 retry_after): nothing goes to `key` before then. */
  holdUntil(key: string, at: number): void {
    this.#nextAt.set(key, Math.max(this.#nextAt.get(key) ?? 0, at));
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
