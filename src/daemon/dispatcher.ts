// Between "a slot is due" and "a child runs": the no-overlap rule per subscription and the global
// concurrency cap. Due runs beyond the cap wait in a FIFO queue; a tick for a subscription whose previous
// run is still running is recorded `skipped`.
//
// Overload: the freshest slot wins. A tick for a subscription whose previous slot is still *queued* (never
// started: the host is behind by a whole period) records that older slot `skipped` ("superseded by a newer
// slot") and puts the new slot in its place in the queue, keeping its turn: a bot acts on the market as it is
// now, never on a stale slot, and no subscription starves at the back of a queue it keeps rejoining. This is
// the missed-run policy after downtime, applied to a backlog (before, stale slots ran while fresh ones were
// skipped: 527 in one slot with 1,000 subscriptions every minute on 2 cores). The slots lost so are counted
// here and reported by the backlog warning (backlog-watch.ts).
//
// Pre-warming: `warm(job)` ahead of a slot starts that execution now (its child is spawned and waits for the
// slot, see prewarm.ts) if a concurrency slot is free, nothing is queued and the subscription has no run under
// way; it holds its concurrency slot from then on. Otherwise nothing happens and the slot's `due` dispatches
// it as usual. `due` for a slot already warmed is the warm run's business and ignored here.
import { BotctlError } from '../errors.js';
import type { RunReport } from './runner.js';
import { superseded, supersededReason } from './superseded.js';
import { errorText, type Logger } from './log.js';

export interface Job {
  subscriptionId: number;
  /** ISO-8601 slot. */
  scheduledFor: string;
  catchUp?: boolean;
  /** The subscription's next slot: once it is near, this job is stale and never starts (superseded.ts). */
  nextSlot?: string;
}

export interface DispatcherOptions {
  concurrency: number;
  /** `prewarm`, when set: spawn now, start at the slot unless it is aborted first (graceful stop). */
  execute(job: Job, cancel: AbortSignal, prewarm?: AbortSignal): Promise<RunReport>;
  skip(job: Job, reason: string): void;
  log: Logger;
}

/** Slots that never ran because botd was behind: superseded in the queue, or skipped behind a run still going. */
export interface LostSlots {
  superseded: number;
  skippedStillRunning: number;
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
  #lost: LostSlots = { superseded: 0, skippedStillRunning: 0 };

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
    if (state === 'running') {
      this.#lost.skippedStillRunning++;
      this.#options.skip(job, 'previous run was still running');
      return;
    }
    if (state === 'queued') {
      const at = this.#queue.findIndex((queued) => queued.subscriptionId === job.subscriptionId);
      const stale = this.#queue[at];
      if (stale) {
        this.#queue[at] = job;
        this.#lost.superseded++;
        this.#options.skip(stale, supersededReason);
        return;
      }
    }
    this.#active.set(job.subscriptionId, 'queued');
    this.#queue.push(job);
    this.#pump();
  }

  /** Slots the backlog has cost since the last call (the backlog warning reads and resets them). */
  takeLostSlots(): LostSlots {
    const lost = this.#lost;
    this.#lost = { superseded: 0, skippedStillRunning: 0 };
    return lost;
  }

  #pump(): void {
    while (!this.#closed && this.#running < this.#options.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift() as Job;
      if (superseded(job.nextSlot)) {
        // Its next slot is (nearly) here, the scheduler may not have fired it yet, the event loop being busy:
        // this one would start a period late and never starts; the fresh slot's due queues it anew.
        this.#active.delete(job.subscriptionId);
        this.#lost.superseded++;
        this.#options.skip(job, supersededReason);
        continue;
      }
      this.#launch(job);
    }
  }

  #launch(job: Job, prewarm?: AbortSignal): void {
    this.#running++;
    this.#active.set(job.subscriptionId, 'running');
    void this.#options
      .execute(job, this.#cancel.signal, prewarm)
      .then((report) => {
        // The runner's own last check (superseded.ts) found it stale.
        if (report.status === 'skipped' && report.error === supersededReason) this.#lost.superseded++;
      })
      .catch((error: unknown) => {
        const next = error instanceof BotctlError ? error.hint : undefined;
        this.#options.log.error('run failed inside botd', {
          subscription_id: job.subscriptionId,
          scheduled_for: job.scheduledFor,
          error: errorText(error),
          ...(next ? { next } : {}),
        });
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
