// What botd tells its observers (notifications, metrics): typed events on one in-process bus. Emitting is a
// synchronous call into each listener, which only records or enqueues (no I/O): a run never waits on, and is
// never failed by, an observer. A listener that throws is dropped from the call, not from the bus.
//
// The bus is process-wide so that a layer below botd (the bundle cache) can report without a handle being
// threaded through it; only botd subscribes, so `botctl run` emits into nothing.

export type RunFinalStatus = 'succeeded' | 'failed' | 'timed_out' | 'crashed' | 'skipped' | 'abandoned';

export type DaemonEvent =
  | { type: 'daemon-started'; pid: number; subscriptions: number; concurrency: number }
  | { type: 'daemon-stopped'; reason: string }
  /** In a fleet: another node's lease ran out; this node recorded it lost and its running runs abandoned. */
  | { type: 'node-lost'; node: string; host: string; lastHeartbeat: string; abandonedRuns: number }
  | { type: 'run-started'; runId: number; subscriptionId: number; dispatchLagMs: number; childStart: 'snapshot' | 'bundle' }
  | { type: 'run-finished'; runId: number | null; subscriptionId: number; status: RunFinalStatus; durationMs: number; error: string | null }
  | { type: 'subscription-paused'; subscriptionId: number; runId: number | null; reason: string }
  | OrderEvent
  | OrderRefusedEvent
  | { type: 'broker-request'; exchange: string; method: string; error: string | null }
  | { type: 'bundle-cache'; hit: boolean }
  /** botd is behind: slots lost since the last warning (superseded, skipped behind a run still going), and the queue. */
  | { type: 'backlog'; queued: number; running: number; concurrency: number; oldestWaitMs: number; superseded: number; skippedStillRunning: number }
  /** One notification message's end (delivered, failed after its retries, or dropped), or a retried attempt. */
  | { type: 'notification'; channelKind: 'webhook' | 'telegram'; outcome: 'delivered' | 'failed' | 'dropped' | 'retried' };

/** An order the venue accepted (status as it answered: `closed` is filled, `open` rests). */
export interface OrderEvent {
  type: 'order';
  runId: number;
  subscriptionId: number;
  subscriptionName: string | null;
  bot: string;
  exchange: string;
  mode: string;
  symbol: string;
  side: string;
  orderType: string;
  /** Opens or adds to a position, or reduces/closes one (reduce-only, close-position, stops, a spot sell). */
  intent: 'entry' | 'exit';
  status: string;
  amount: number | null;
  filled: number | null;
  price: number | null;
  /** Realized P&L in the settle currency when the venue reports it. */
  pnl: number | null;
}

export interface OrderRefusedEvent {
  type: 'order-refused';
  runId: number;
  subscriptionId: number;
  subscriptionName: string | null;
  bot: string;
  mode: string;
  method: string;
  message: string;
}

export type Listener = (event: DaemonEvent) => void;

export class EventBus {
  readonly #listeners = new Set<Listener>();

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: DaemonEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // An observer's bug must never reach the run that emitted the event.
      }
    }
  }

  get listeners(): number {
    return this.#listeners.size;
  }
}

export const daemonEvents = new EventBus();
