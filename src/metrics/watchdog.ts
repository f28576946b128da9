// systemd's view of botd: READY=1 once botd has started (schedule loaded, broker open), STATUS= with what it is
// doing, WATCHDOG=1 every WatchdogSec/2 — but only while healthy (database reachable, scheduler ticking):
// a botd whose scheduler is stuck stops feeding the watchdog and systemd restarts it. STOPPING=1 on stop.
import type { Health } from './health.js';
import { watchdogIntervalMs, type SystemdNotifier } from './systemd-notify.js';

export interface WatchdogOptions {
  notifier: SystemdNotifier;
  health(): Health;
  status(): string;
  env?: NodeJS.ProcessEnv;
  onUnhealthy?(health: Health): void;
}

export interface Watchdog {
  ready(): Promise<boolean>;
  stopping(): Promise<boolean>;
  readonly intervalMs: number | undefined;
}

export function startWatchdog(options: WatchdogOptions): Watchdog {
  const intervalMs = watchdogIntervalMs(options.env);
  let timer: NodeJS.Timeout | undefined;
  const ping = () => {
    const health = options.health();
    if (health.ok) void options.notifier.send({ WATCHDOG: '1', STATUS: options.status() });
    else {
      options.onUnhealthy?.(health);
      void options.notifier.send({ STATUS: `unhealthy: ${health.database.reachable ? '' : 'database unreachable; '}${health.scheduler.alive ? '' : `scheduler last tick ${health.scheduler.last_tick_age_ms} ms ago`}` });
    }
  };
  return {
    intervalMs,
    async ready() {
      const sent = await options.notifier.send({ READY: '1', STATUS: options.status() });
      if (intervalMs !== undefined) timer = setInterval(ping, intervalMs).unref();
      return sent;
    },
    stopping() {
      clearInterval(timer);
      return options.notifier.send({ STOPPING: '1', STATUS: 'stopping' });
    },
  };
}
