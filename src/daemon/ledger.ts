// Run rows: the durable record of every slot botd handled. A slot (subscription_id, scheduled_for) is claimed
// by inserting its row, UNIQUE, before any child starts, so no slot ever runs twice, whichever process or
// restart tries. Finishing writes the outcome, the bot's new state, its signals and the failure streak in one
// synchronous better-sqlite3 transaction: a crash leaves either all of it or none. Orders are not part of it: the
// broker writes each as it happens (src/broker/order-ledger.ts), so a finish that fails cannot take them along.
import type SQLite from 'better-sqlite3';
import type { RunStatus } from '../db/schema.js';
import type { SignalInput } from '../sdk/types.js';

export type FinalStatus = Exclude<RunStatus, 'running'>;

/** Statuses that count towards the failure streak: the bot's doing, not botd's (skipped, abandoned). */
const failures = new Set<FinalStatus>(['failed', 'timed_out', 'crashed']);

const now = () => new Date().toISOString();

const statementCache = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();

function statement(sqlite: SQLite.Database, sql: string): SQLite.Statement {
  let statements = statementCache.get(sqlite);
  if (!statements) statementCache.set(sqlite, (statements = new Map()));
  let prepared = statements.get(sql);
  if (!prepared) statements.set(sql, (prepared = sqlite.prepare(sql)));
  return prepared;
}

// `INSERT … RETURNING` through .get() hands back the new id at the first step, before an autocommit
// statement commits; better-sqlite3 then resets it and a failed commit (SQLITE_FULL: disk full) goes
// unreported, so a run would start under an id that was never stored (seen: ten runs "succeeded" as run 11).
// Inside an explicit transaction the COMMIT is its own statement, and its failure throws.
function committed<T>(sqlite: SQLite.Database, write: () => T): T {
  return sqlite.transaction(write).immediate();
}

export interface Claim {
  subscriptionId: number;
  scheduledFor: string;
  codeSha256: string | null;
  daemonPid: number;
}

/** Inserts the slot's row as `running`; undefined when the slot already has a row (or the subscription is gone). */
export function claimRun(sqlite: SQLite.Database, claim: Claim): number | undefined {
  try {
    return committed(sqlite, () => {
      const row = statement(
        sqlite,
        `INSERT INTO runs (subscription_id, scheduled_for, started_at, status, code_sha256, daemon_pid)
         VALUES (?, ?, ?, 'running', ?, ?)
         ON CONFLICT (subscription_id, scheduled_for) DO NOTHING
         RETURNING id`,
      ).get(claim.subscriptionId, claim.scheduledFor, now(), claim.codeSha256, claim.daemonPid) as { id: number } | undefined;
      return row?.id;
    });
  } catch (error) {
    // Removed between the tick and the claim: nothing to run.
    if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return undefined;
    throw error;
  }
}

export function recordChildPid(sqlite: SQLite.Database, runId: number, pid: number): void {
  statement(sqlite, `UPDATE runs SET child_pid = ? WHERE id = ?`).run(pid, runId);
}

/** A slot that was not run (overlap, missed while down): its row says why. Undefined if the slot has a row. */
/**
 * Deletes the claimed row of a pre-warmed run whose child never got its start message and is gone (botd
 * stopped before its slot): the slot did not run, so like a queued run dropped at shutdown it leaves no row,
 * and the next start's missed-run policy sees it.
 */
export function forgetUnstartedRun(sqlite: SQLite.Database, runId: number): void {
  statement(sqlite, `DELETE FROM runs WHERE id = ? AND status = 'running'`).run(runId);
}

export function recordSkipped(sqlite: SQLite.Database, subscriptionId: number, scheduledFor: string, reason: string): number | undefined {
  const at = now();
  try {
    return committed(sqlite, () => {
      const row = statement(
        sqlite,
        `INSERT INTO runs (subscription_id, scheduled_for, started_at, finished_at, status, error)
         VALUES (?, ?, ?, ?, 'skipped', ?)
         ON CONFLICT (subscription_id, scheduled_for) DO NOTHING
         RETURNING id`,
      ).get(subscriptionId, scheduledFor, at, at, reason) as { id: number } | undefined;
      return row?.id;
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return undefined;
    throw error;
  }
}

export interface Outcome {
  runId: number;
  subscriptionId: number;
  status: FinalStatus;
  exitCode: number | null;
  signal: string | null;
  error: string | null;
  logTail: string | null;
  /** The bot's state after a successful run; ignored for any other status. */
  state?: Record<string, unknown> | undefined;
  /** The exchange session's remaining writes, if any, run inside the finish transaction. */
  commit?: ((sqlite: SQLite.Database) => void) | undefined;
  signals: SignalInput[];
  maxConsecutiveFailures: number;
}

export interface Finished {
  /** False when the row was no longer `running` (abandoned meanwhile) or the subscription was removed. */
  written: boolean;
  consecutiveFailures: number;
  /** Set when this outcome paused the subscription. */
  pausedReason: string | null;
}

export function finishRun(sqlite: SQLite.Database, outcome: Outcome): Finished {
  return sqlite.transaction((): Finished => {
    const at = now();
    const updated = statement(
      sqlite,
      `UPDATE runs SET status = ?, finished_at = ?, exit_code = ?, signal = ?, error = ?, log_tail = ?
       WHERE id = ? AND status = 'running'`,
    ).run(outcome.status, at, outcome.exitCode, outcome.signal, outcome.error, outcome.logTail, outcome.runId);
    if (updated.changes === 0) return { written: false, consecutiveFailures: 0, pausedReason: null };

    if (outcome.status === 'succeeded' && outcome.state) {
      statement(
        sqlite,
        `INSERT INTO bot_state (subscription_id, state, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (subscription_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      ).run(outcome.subscriptionId, JSON.stringify(outcome.state), at);
    }
    outcome.commit?.(sqlite);
    const insertSignal = statement(
      sqlite,
      `INSERT INTO signals (run_id, subscription_id, symbol, action, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    for (const s of outcome.signals) {
      insertSignal.run(outcome.runId, outcome.subscriptionId, String(s.symbol ?? ''), String(s.action), JSON.stringify(s), at);
    }

    if (outcome.status === 'succeeded') {
      statement(sqlite, `UPDATE subscriptions SET consecutive_failures = 0 WHERE id = ? AND consecutive_failures <> 0`).run(outcome.subscriptionId);
      return { written: true, consecutiveFailures: 0, pausedReason: null };
    }
    if (!failures.has(outcome.status)) return { written: true, consecutiveFailures: 0, pausedReason: null };
    const streak = statement(
      sqlite,
      `UPDATE subscriptions SET consecutive_failures = consecutive_failures + 1 WHERE id = ?
       RETURNING consecutive_failures, enabled`,
    ).get(outcome.subscriptionId) as { consecutive_failures: number; enabled: number } | undefined;
    if (!streak) return { written: true, consecutiveFailures: 0, pausedReason: null };
    if (streak.enabled !== 1 || streak.consecutive_failures < outcome.maxConsecutiveFailures) {
      return { written: true, consecutiveFailures: streak.consecutive_failures, pausedReason: null };
    }
    const last = outcome.error ? `${outcome.status}: ${firstLine(outcome.error)}` : outcome.status;
    const reason = `paused by botd after ${streak.consecutive_failures} consecutive failed runs (last: ${last})`;
    statement(sqlite, `UPDATE subscriptions SET enabled = 0, paused_reason = ?, updated_at = ? WHERE id = ?`).run(
      reason,
      at,
      outcome.subscriptionId,
    );
    return { written: true, consecutiveFailures: streak.consecutive_failures, pausedReason: reason };
  }).immediate();
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Runs of the subscription still marked running, with the process that runs them. */
export function runningRuns(sqlite: SQLite.Database, subscriptionId: number): { id: number; daemon_pid: number | null }[] {
  return statement(sqlite, `SELECT id, daemon_pid FROM runs WHERE subscription_id = ? AND status = 'running'`).all(subscriptionId) as {
    id: number;
    daemon_pid: number | null;
  }[];
}

export interface AbandonedRun {
  id: number;
  subscription_id: number;
  child_pid: number | null;
}

// Marks `running` rows whose owning process is gone as `abandoned`. At botd's start-up those are the runs a
// previous botd (or a killed `botctl run`) left behind; their children may still be alive and are the
// caller's to kill.
export function abandonStaleRuns(sqlite: SQLite.Database, ownerAlive: (pid: number) => boolean, reason: string): AbandonedRun[] {
  return sqlite.transaction(() => {
    const rows = statement(sqlite, `SELECT id, subscription_id, child_pid, daemon_pid FROM runs WHERE status = 'running'`).all() as (AbandonedRun & {
      daemon_pid: number | null;
    })[];
    const stale = rows.filter((r) => r.daemon_pid === null || !ownerAlive(r.daemon_pid));
    const abandon = statement(sqlite, `UPDATE runs SET status = 'abandoned', finished_at = ?, error = ? WHERE id = ? AND status = 'running'`);
    for (const row of stale) abandon.run(now(), reason, row.id);
    return stale.map(({ id, subscription_id, child_pid }) => ({ id, subscription_id, child_pid }));
  }).immediate();
}

/** The latest scheduled_for per subscription: where the missed-run policy starts counting. */
export function lastScheduledFor(sqlite: SQLite.Database): Map<number, string> {
  const rows = statement(sqlite, `SELECT subscription_id, MAX(scheduled_for) AS last FROM runs GROUP BY subscription_id`).all() as {
    subscription_id: number;
    last: string;
  }[];
  return new Map(rows.map((r) => [r.subscription_id, r.last]));
}

export function loadState(sqlite: SQLite.Database, subscriptionId: number): Record<string, unknown> {
  const row = statement(sqlite, `SELECT state FROM bot_state WHERE subscription_id = ?`).get(subscriptionId) as { state: string } | undefined;
  if (!row) return {};
  const state: unknown = JSON.parse(row.state);
  return state && typeof state === 'object' && !Array.isArray(state) ? (state as Record<string, unknown>) : {};
}
