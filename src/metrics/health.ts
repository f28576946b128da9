// What /healthz reports and what gates systemd's watchdog ping: the database answers a query, the scheduler is
// running, and its last tick (it checks its slots at least every poll interval, 500 ms) is recent. A stale tick
// means botd's event loop is stuck or the scheduler died: then /healthz answers 503 and the watchdog is not
// fed, so systemd restarts botd.
import type SQLite from 'better-sqlite3';
import { errorText } from '../errors.js';

export interface HealthSources {
  sqlite: SQLite.Database;
  schedulerRunning(): boolean;
  lastTickAgeMs(): number;
  /** A tick older than this is stale. */
  staleAfterMs?: number;
}

export interface Health {
  ok: boolean;
  database: { reachable: boolean; error?: string };
  scheduler: { alive: boolean; running: boolean; last_tick_age_ms: number; stale_after_ms: number };
}

/** Ten times the poll interval and more than a loaded machine's pauses; well inside WatchdogSec. */
export const defaultStaleAfterMs = 10_000;

export function checkHealth(sources: HealthSources): Health {
  const database: Health['database'] = { reachable: true };
  try {
    sources.sqlite.prepare('SELECT count(*) FROM subscriptions WHERE enabled = 1').pluck().get();
  } catch (error) {
    database.reachable = false;
    database.error = errorText(error);
  }
  const staleAfterMs = sources.staleAfterMs ?? defaultStaleAfterMs;
  const running = sources.schedulerRunning();
  const age = Math.max(0, Math.round(sources.lastTickAgeMs()));
  const alive = running && age <= staleAfterMs;
  return { ok: database.reachable && alive, database, scheduler: { alive, running, last_tick_age_ms: age, stale_after_ms: staleAfterMs } };
}
