// What /healthz reports and what gates systemd's watchdog ping: the database answers a query, the scheduler is
// running, and its last tick (it checks its slots at least every poll interval, 500 ms) is recent. A stale tick
// means botd's event loop is stuck or the scheduler died: then /healthz answers 503 and the watchdog is not
// fed, so systemd restarts botd.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { errorText } from '../errors.js';

export interface HealthSources {
  /** Whether the database answered its last probe (probeDatabase). */
  database(): Health['database'];
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
  const database = sources.database();
  const staleAfterMs = sources.staleAfterMs ?? defaultStaleAfterMs;
  const running = sources.schedulerRunning();
  const age = Math.max(0, Math.round(sources.lastTickAgeMs()));
  const alive = running && age <= staleAfterMs;
  return { ok: database.reachable && alive, database, scheduler: { alive, running, last_tick_age_ms: age, stale_after_ms: staleAfterMs } };
}

export interface DatabaseProbe {
  state(): Health['database'];
  stop(): void;
}

/**
 * Asks the database a query every `everyMs` and keeps the answer, so that /healthz and the watchdog, which must
 * answer at once, never wait on a database that hangs (PostgreSQL unreachable: a connect can take seconds).
 */
export async function probeDatabase(db: Kysely<Database>, everyMs = 2_000): Promise<DatabaseProbe> {
  let state: Health['database'] = { reachable: true };
  let inFlight = false;
  const probe = async () => {
    if (inFlight) return;
    inFlight = true;
    try {
      await sql`SELECT count(*) FROM subscriptions WHERE enabled = 1`.execute(db);
      state = { reachable: true };
    } catch (error) {
      state = { reachable: false, error: errorText(error) };
    } finally {
      inFlight = false;
    }
  };
  await probe();
  const timer = setInterval(() => void probe(), everyMs);
  timer.unref();
  return { state: () => state, stop: () => clearInterval(timer) };
}
