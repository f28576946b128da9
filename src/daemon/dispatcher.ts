// Between "a slot is due" and "a child runs": the no-overlap rule per subscription and the global
// concurrency cap. Due runs beyond the cap wait in a FIFO queue, none is dropped; a tick for a subscription
// whose previous run is still queued or running is recorded `skipped`.
//
// Pre-warming: `warm(job)` ahead of a slot starts that execution now (its child is spawned and waits for the
// slot, see prewarm.ts) if a concurrency slot is free, nothing is queued and the subscription has no run under
// way; it holds its concurrency slot from then on. Otherwise nothing happens and the slot's `due` dispatches
// it as usual. `due` for a slot already warmed is the warm run's business and ignored here.
import type { RunReport } from './runner.js';
import { errorText, type Logger } from './log.js';

export interface Job {
  subscriptionId: number;
  /** ISO-8601 slot. */
  scheduledFor: string;
  catchUp?: boolean;
}

export interface DispatcherOptions {
  concurrency: number;
  /** `prewarm`, when set: spawn now, start at the slot unless it is aborted first (graceful stop). */
  execute(job: Job, cancel: AbortSignal, prewarm?: AbortSignal): Promise<RunReport>;
  skip(job: Job, reason: string): void;
  log: Logger;
}

export class Dispatcher {
  readonly #options: DispatcherOptions;
  #queue: Job[] = [];
  readonly #active = new Map<number, 'queued' | 'running'>();
  #running = 0;
  #closed = false;
  readonly #cancel = new AbortController();
  /** Aborted as soon as a stop begins: warm children still waiting for their slot never start. */
  readonly #stopWarm = new AbortController();
  /** Subscriptions warmed up for a slot whose `due` has not come yet, and that slot. */
  readonly #warm = new Map<number, string>();
  #idle: (() => void)[] = [];

  constructor(options: DispatcherOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new Error(`Expected concurrency to be a positive integer, got ${options.concurrency}.`);
    }
    this.#options = options;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** The slot of the run that has waited longest in the queue (backlog metrics and warning). */
  get oldestQueuedFor(): string | undefined {
    return this.#queue[0]?.scheduledFor;
  }

  /** A slot is near: runs it now as a pre-warmed execution if that is possible; else `due` will. */
  warm(job: Job): boolean {
    if (this.#closed || this.#active.has(job.subscriptionId) || this.#queue.length > 0 || this.#running >= this.#options.concurrency) return false;
    this.#warm.set(job.subscriptionId, job.scheduledFor);
    this.#launch(job, this.#stopWarm.signal);
    return true;
  }

  due(job: Job): void {
    if (this.#closed) return;
    if (this.#warm.get(job.subscriptionId) === job.scheduledFor) {
      // Even if the warm run has already ended: its slot has a row.
      this.#warm.delete(job.subscriptionId);
      return;
    }
    const state = this.#active.get(job.subscriptionId);
    if (state) {
      this.#options.skip(job, state === 'running' ? 'previous run was still running' : 'previous run was still waiting for a free slot');
      return;
    }
    this.#active.set(job.subscriptionId, 'queued');
    this.#queue.push(job);
    this.#pump();
  }

  #pump(): void {
    while (!this.#closed && this.#running < this.#options.concurrency && this.#queue.length > 0) {
      this.#launch(this.#queue.shift() as Job);
    }
  }

  #launch(job: Job, prewarm?: AbortSignal): void {
    this.#running++;
    this.#active.set(job.subscriptionId, 'running');
    void this.#options
      .execute(job, this.#cancel.signal, prewarm)
      .catch((error: unknown) => {
        this.#options.log.error('run failed inside botd', { subscription_id: job.subscriptionId, scheduled_for: job.scheduledFor, error: errorText(error) });
      })
      .finally(() => {
        this.#running--;
        this.#active.delete(job.subscriptionId);
        if (this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
        this.#pump();
      });
  }

  /**
   * Graceful stop: takes no new work, forgets the queue (those slots never started, so no row exists; the
   * missed-run policy sees them at the next start), waits up to `graceMs` for running children, then stops
   * the rest (they are recorded `abandoned`).
   */
  async stop(graceMs: number): Promise<void> {
    this.#closed = true;
    this.#stopWarm.abort();
    const dropped = this.#queue.splice(0);
    for (const job of dropped) this.#active.delete(job.subscriptionId);
    if (dropped.length) this.#options.log.warn('queued runs dropped at shutdown', { count: dropped.length });
    if (this.#running === 0) return;
    const idle = new Promise<void>((resolve) => this.#idle.push(resolve));
    const timer = new Promise<'grace'>((resolve) => setTimeout(resolve, graceMs, 'grace').unref());
    if ((await Promise.race([idle, timer])) === 'grace') {
      this.#options.log.warn('stopping runs still under way', { count: this.#running });
      this.#cancel.abort();
      await idle;
    }
  }

  /** Stops running children now (a second SIGTERM/SIGINT). */
  hurry(): void {
    this.#closed = true;
    this.#stopWarm.abort();
    this.#cancel.abort();
  }
}
