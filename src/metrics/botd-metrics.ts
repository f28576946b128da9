// botd's Prometheus metrics (prom-client): counters and histograms fed by the event bus, gauges read from
// botd's state at scrape time, and the process's default metrics. Names and labels are listed in the README
// ("Watching your bots"). Per-subscription series only with --metrics-per-subscription: a fleet of thousands
// of subscriptions would otherwise make every scrape thousands of series larger.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DaemonEvent, EventBus } from '../events/daemon-events.js';
import { brokerMethod, errorClass, identifier, mode, orderStatus, refusalReason } from './label-values.js';

/** What the gauges read at scrape time. */
export interface DaemonGauges {
  queued(): number;
  running(): number;
  /** ms the oldest queued run has waited since its slot; 0 when none waits. */
  oldestWaitMs(): number;
  scheduled(): number;
  /** ms since the scheduler last checked its slots. */
  lastTickAgeMs(): number;
}

export interface BotdMetricsOptions {
  bus: EventBus;
  /** The subscription's bot's name (botd's directory of names), undefined for one removed. */
  botOf(subscriptionId: number): string | undefined | null;
  gauges: DaemonGauges;
  perSubscription?: boolean;
}

const runBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];
const lagBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class BotdMetrics {
  readonly registry = new Registry();
  readonly #unsubscribe: () => void;
  readonly #botOf: BotdMetricsOptions['botOf'];
  readonly #bots = new Map<number, string>();
  readonly #perSubscription: boolean;
  readonly #m;

  constructor(options: BotdMetricsOptions) {
    const registers = [this.registry];
    this.#perSubscription = options.perSubscription ?? false;
    const g = options.gauges;
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers, collect() { this.set(read()); } });
    gauge('botd_runs_queued', 'Due runs waiting for a free concurrency slot (queue depth).', g.queued);
    gauge('botd_backlog_oldest_wait_seconds', 'How long the oldest queued run has waited since its slot; 0 when none waits.', () => g.oldestWaitMs() / 1000);
    gauge('botd_running_children', 'Bot children running (pre-warmed ones included).', g.running);
    gauge('botd_scheduled_subscriptions', 'Enabled subscriptions the scheduler holds.', g.scheduled);
    gauge('botd_scheduler_last_tick_age_seconds', 'Seconds since the scheduler last checked its slots.', () => g.lastTickAgeMs() / 1000);
    this.#m = {
      runs: new Counter({ name: 'botd_runs_total', help: 'Runs finished, by status and bot.', labelNames: this.#perSubscription ? ['status', 'bot', 'subscription'] : ['status', 'bot'], registers }),
      duration: new Histogram({ name: 'botd_run_duration_seconds', help: 'Run duration from claim to recorded outcome, by status.', labelNames: ['status'], buckets: runBuckets, registers }),
      lag: new Histogram({ name: 'botd_dispatch_lag_seconds', help: 'Slot time to execution start (spawn, or start message when pre-warmed).', labelNames: ['child_start'], buckets: lagBuckets, registers }),
      paused: new Counter({ name: 'botd_subscriptions_paused_total', help: 'Subscriptions botd paused after a failure streak.', registers }),
      backlog: new Counter({ name: 'botd_backlog_warnings_total', help: 'Backlog episodes warned of (slots lost, or the oldest queued run waited past the threshold).', registers }),
      orders: new Counter({ name: 'botd_orders_total', help: 'Orders the venue accepted, by the status it answered and mode.', labelNames: ['status', 'mode'], registers }),
      refusals: new Counter({ name: 'botd_guard_refusals_total', help: 'Calls the risk guard refused, by reason.', labelNames: ['reason'], registers }),
      requests: new Counter({ name: 'botd_broker_requests_total', help: 'ctx.exchange calls the broker served, by exchange and method.', labelNames: ['exchange', 'method'], registers }),
      errors: new Counter({ name: 'botd_broker_errors_total', help: 'ctx.exchange calls that failed, by exchange, method and error class.', labelNames: ['exchange', 'method', 'error'], registers }),
      bundleCache: new Counter({ name: 'botd_bundle_cache_requests_total', help: 'Bundle cache lookups, by result (hit: no build needed).', labelNames: ['result'], registers }),
      childStarts: new Counter({ name: 'botd_child_starts_total', help: 'Bot children started, by source (snapshot: the runtime snapshot cache was used).', labelNames: ['from'], registers }),
      notifications: new Counter({ name: 'botd_notifications_total', help: 'Notification messages by channel kind and outcome (delivered, failed, dropped; retried counts attempts).', labelNames: ['channel_kind', 'outcome'], registers }),
    };
    // Zero series for the outcomes alert rules look at, so rate() has a baseline before the first event.
    for (const status of ['succeeded', 'failed', 'timed_out', 'crashed']) this.#m.duration.zero({ status });
    for (const outcome of ['delivered', 'failed', 'dropped']) for (const kind of ['webhook', 'telegram']) this.#m.notifications.inc({ channel_kind: kind, outcome }, 0);
    collectDefaultMetrics({ register: this.registry });
    this.#botOf = options.botOf;
    this.#unsubscribe = options.bus.on((event) => this.#record(event));
  }

  close(): void {
    this.#unsubscribe();
  }

  #record(event: DaemonEvent): void {
    const m = this.#m;
    switch (event.type) {
      case 'run-finished': {
        const labels: Record<string, string> = { status: event.status, bot: this.#bot(event.subscriptionId) };
        if (this.#perSubscription) labels.subscription = String(event.subscriptionId);
        m.runs.inc(labels);
        m.duration.observe({ status: event.status }, event.durationMs / 1000);
        break;
      }
      case 'run-started':
        m.lag.observe({ child_start: event.childStart }, Math.max(0, event.dispatchLagMs) / 1000);
        m.childStarts.inc({ from: event.childStart });
        break;
      case 'subscription-paused':
        m.paused.inc();
        break;
      case 'backlog':
        m.backlog.inc();
        break;
      case 'order':
        m.orders.inc({ status: orderStatus(event.status), mode: mode(event.mode) });
        break;
      case 'order-refused':
        m.refusals.inc({ reason: refusalReason(event.message) });
        break;
      case 'broker-request': {
        const labels = { exchange: identifier(event.exchange), method: brokerMethod(event.method) };
        m.requests.inc(labels);
        if (event.error !== null) m.errors.inc({ ...labels, error: errorClass(event.error) });
        break;
      }
      case 'bundle-cache':
        m.bundleCache.inc({ result: event.hit ? 'hit' : 'miss' });
        break;
      case 'notification':
        m.notifications.inc({ channel_kind: event.channelKind, outcome: event.outcome });
        break;
      default:
        break;
    }
  }

  // A subscription's bot never changes; a removed subscription's runs count under `other`.
  #bot(subscriptionId: number): string {
    let name = this.#bots.get(subscriptionId);
    if (name === undefined) {
      const bot = this.#botOf(subscriptionId);
      // Not known yet (created a moment ago): asked again next time, never cached as `other`.
      if (bot === undefined) return 'other';
      name = identifier(bot ?? undefined);
      if (this.#bots.size > 100_000) this.#bots.clear();
      this.#bots.set(subscriptionId, name);
    }
    return name;
  }
}
