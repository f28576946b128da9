// What botd tells people and machines, started beside the scheduler: notifications (src/notify/), the backlog
// warning, and with --metrics the Prometheus endpoint and /healthz (src/metrics/); under a Type=notify unit,
// READY/STATUS/WATCHDOG to systemd. All of it listens on the event bus or reads botd's state; none of it is on
// a run's path. Loaded lazily: a botd without channels or --metrics never loads prom-client.
import type { ChangeFeed } from '../db/change-feed.js';
import type { Connection } from '../db/open.js';
import { daemonEvents } from '../events/daemon-events.js';
import type { ListenAddress } from '../metrics/listen-address.js';
import type { NotifierOptions } from '../notify/notifier.js';
import { oldestWaitMs, watchBacklog } from './backlog-watch.js';
import type { Dispatcher } from './dispatcher.js';
import { errorText, type Logger } from './log.js';
import type { Scheduler } from './scheduler.js';
import type { SubscriptionNames } from './subscription-names.js';

export interface ObservabilityOptions {
  home: string;
  connection: Connection;
  changes: ChangeFeed;
  names: SubscriptionNames;
  log: Logger;
  dispatcher: Dispatcher;
  scheduler: Scheduler;
  concurrency: number;
  metrics?: ListenAddress;
  metricsPerSubscription?: boolean;
  /** Tests: shorter coalescing windows, backoff, Telegram base URL. */
  notify?: Partial<Omit<NotifierOptions, 'db' | 'label' | 'onChange' | 'home' | 'bus' | 'log'>>;
  backlogWarnMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface Observability {
  /** botd has started: READY=1 to systemd. */
  ready(): void;
  /** Before the database closes: notifications get `graceMs` to go out. */
  stop(graceMs: number): Promise<void>;
}

export async function startObservability(o: ObservabilityOptions): Promise<Observability> {
  const { connection, log, dispatcher, scheduler, names } = o;
  const env = o.env ?? process.env;
  const { Notifier } = await import('../notify/notifier.js');
  const notifier = new Notifier({
    db: connection.db,
    label: (id) => names.get(id),
    onChange: (listener) => o.changes.on(listener),
    home: o.home,
    bus: daemonEvents,
    log,
    ...o.notify,
  });
  await notifier.start().catch((error: unknown) => log.error('notifications could not start', { error: errorText(error) }));
  const stopBacklog = watchBacklog({ dispatcher, concurrency: o.concurrency, bus: daemonEvents, log, ...(o.backlogWarnMs ? { warnAfterMs: o.backlogWarnMs, checkEveryMs: Math.min(5_000, o.backlogWarnMs) } : {}) });

  const { systemdNotifier } = await import('../metrics/systemd-notify.js');
  const systemd = systemdNotifier(env);
  const { checkHealth, probeDatabase } = await import('../metrics/health.js');
  // Only /healthz and the watchdog read it: a botd with neither asks the database nothing every 2 s.
  const probe = o.metrics || systemd ? await probeDatabase(connection.db) : undefined;
  const database = () => probe?.state() ?? { reachable: true };
  const health = () => checkHealth({ database, schedulerRunning: () => scheduler.running, lastTickAgeMs: () => Date.now() - scheduler.lastTick });
  const status = () => `${scheduler.size} subscriptions, ${dispatcher.running} running, ${dispatcher.queued} queued`;

  let closeMetrics: (() => Promise<void>) | undefined;
  if (o.metrics) {
    const [{ BotdMetrics }, { startMetricsServer }, { isLoopback }] = await Promise.all([
      import('../metrics/botd-metrics.js'),
      import('../metrics/metrics-server.js'),
      import('../metrics/listen-address.js'),
    ]);
    const metrics = new BotdMetrics({
      bus: daemonEvents,
      botOf: (id) => names.get(id)?.bot,
      perSubscription: o.metricsPerSubscription ?? false,
      gauges: {
        queued: () => dispatcher.queued,
        running: () => dispatcher.running,
        oldestWaitMs: () => oldestWaitMs(dispatcher),
        scheduled: () => scheduler.size,
        lastTickAgeMs: () => Date.now() - scheduler.lastTick,
      },
    });
    const server = await startMetricsServer(o.metrics, metrics.registry, health);
    log.info('metrics listening', { address: server.address.address, port: server.address.port, paths: ['/metrics', '/healthz'] });
    if (!isLoopback(o.metrics.host)) log.warn('metrics listen beyond loopback: bot names and counts are visible to whoever reaches the port', { host: o.metrics.host });
    closeMetrics = async () => {
      metrics.close();
      await server.close();
    };
  }

  const { startWatchdog } = await import('../metrics/watchdog.js');
  const watchdog = systemd
    ? startWatchdog({ notifier: systemd, health, status, env, onUnhealthy: (h) => log.error('unhealthy: not feeding the systemd watchdog', { database: h.database, scheduler: h.scheduler }) })
    : undefined;

  return {
    ready() {
      void watchdog?.ready().then((sent) => {
        if (!sent) log.warn('systemd-notify failed: systemd was not told botd is ready', { notify_socket: true });
      });
    },
    async stop(graceMs) {
      stopBacklog();
      await watchdog?.stopping();
      await notifier.stop(graceMs);
      await closeMetrics?.();
      probe?.stop();
    },
  };
}
