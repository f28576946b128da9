// Run rows: the durable record of every slot botd handled. A slot (subscription_id, scheduled_for) is claimed
// by inserting its row, UNIQUE, before any child starts, so no slot ever runs twice, whichever process, node or
// restart tries: the database's unique index decides, on SQLite and on PostgreSQL alike. Finishing writes the
// outcome, the bot's new state, its signals and the failure streak in one transaction: a crash leaves either all
// of it or none. Orders are not part of it: the broker writes each as it happens (src/broker/order-ledger.ts),
// so a finish that fails cannot take them along.
import type { Kysely } from 'kysely';
import type { Database, RunStatus } from '../db/schema.js';
import { isForeignKeyViolation } from '../db/database-error.js';
import { writeTransaction } from '../db/write-transaction.js';
import type { SignalInput } from '../sdk/types.js';

export type FinalStatus = Exclude<RunStatus, 'running'>;

/** Statuses that count towards the failure streak: the bot's doing, not botd's (skipped, abandoned). */
const failures = new Set<FinalStatus>(['failed', 'timed_out', 'crashed']);

const now = () => new Date().toISOString();

export interface Claim {
  subscriptionId: number;
  scheduledFor: string;
  codeSha256: string | null;
  daemonPid: number;
  /** The fleet node that claims it (src/fleet), or null for a single botd or `botctl run`. */
  nodeId?: number | null;
}

// Every insert here is inside an explicit transaction: on SQLite an autocommit INSERT … RETURNING hands back the
// new id before its commit, and a failed commit (SQLITE_FULL) then went unreported, so a run started under an id
// that was never stored (seen: ten runs "succeeded" as run 11). In a transaction the COMMIT fails on its own.

/** Inserts the slot's row as `running`; undefined when the slot already has a row (or the subscription is gone). */
export async function claimRun(db: Kysely<Database>, claim: Claim): Promise<number | undefined> {
  try {
    return await writeTransaction(db, async (trx) => {
      const row = await trx
        .insertInto('runs')
        .values({
          subscription_id: claim.subscriptionId,
          scheduled_for: claim.scheduledFor,
          started_at: now(),
          status: 'running',
          code_sha256: claim.codeSha256,
          daemon_pid: claim.daemonPid,
          node_id: claim.nodeId ?? null,
        })
        .onConflict((c) => c.columns(['subscription_id', 'scheduled_for']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return row?.id;
    });
  } catch (error) {
    // Removed between the tick and the claim: nothing to run.
    if (isForeignKeyViolation(error)) return undefined;
    throw error;
  }
}

export async function recordChildPid(db: Kysely<Database>, runId: number, pid: number): Promise<void> {
  await db.updateTable('runs').set({ child_pid: pid }).where('id', '=', runId).execute();
}

/**
 * Deletes the claimed row of a pre-warmed run whose child never got its start message and is gone (botd
 * stopped before its slot): the slot did not run, so like a queued run dropped at shutdown it leaves no row,
 * and the next start's missed-run policy sees it.
 */
export async function forgetUnstartedRun(db: Kysely<Database>, runId: number): Promise<void> {
  await db.deleteFrom('runs').where('id', '=', runId).where('status', '=', 'running').execute();
}

/** A slot that was not run (overlap, missed while down): its row says why. Undefined if the slot has a row. */
export async function recordSkipped(db: Kysely<Database>, subscriptionId: number, scheduledFor: string, reason: string): Promise<number | undefined> {
  const at = now();
  try {
    return await writeTransaction(db, async (trx) => {
      const row = await trx
        .insertInto('runs')
        .values({ subscription_id: subscriptionId, scheduled_for: scheduledFor, started_at: at, finished_at: at, status: 'skipped', error: reason })
        .onConflict((c) => c.columns(['subscription_id', 'scheduled_for']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return row?.id;
    });
  } catch (error) {
    if (isForeignKeyViolation(error)) return undefined;
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
  commit?: ((trx: Kysely<Database>) => Promise<void>) | undefined;
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

const unwritten: Finished = { written: false, consecutiveFailures: 0, pausedReason: null };

export function finishRun(db: Kysely<Database>, outcome: Outcome): Promise<Finished> {
  return writeTransaction(db, async (trx): Promise<Finished> => {
    const at = now();
    const updated = await trx
      .updateTable('runs')
      .set({ status: outcome.status, finished_at: at, exit_code: outcome.exitCode, signal: outcome.signal, error: outcome.error, log_tail: outcome.logTail })
      .where('id', '=', outcome.runId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return unwritten;

    if (outcome.status === 'succeeded' && outcome.state) {
      await trx
        .insertInto('bot_state')
        .values({ subscription_id: outcome.subscriptionId, state: JSON.stringify(outcome.state), updated_at: at })
        .onConflict((c) => c.column('subscription_id').doUpdateSet((eb) => ({ state: eb.ref('excluded.state'), updated_at: eb.ref('excluded.updated_at') })))
        .execute();
    }
    await outcome.commit?.(trx);
    if (outcome.signals.length > 0) {
      await trx
        .insertInto('signals')
        .values(
          outcome.signals.map((s) => ({
            run_id: outcome.runId,
            subscription_id: outcome.subscriptionId,
            symbol: String(s.symbol ?? ''),
            action: String(s.action),
            payload: JSON.stringify(s),
            created_at: at,
          })),
        )
        .execute();
    }

    if (outcome.status === 'succeeded') {
      await trx.updateTable('subscriptions').set({ consecutive_failures: 0 }).where('id', '=', outcome.subscriptionId).where('consecutive_failures', '<>', 0).execute();
      return { written: true, consecutiveFailures: 0, pausedReason: null };
    }
    if (!failures.has(outcome.status)) return { written: true, consecutiveFailures: 0, pausedReason: null };
    const streak = await trx
      .updateTable('subscriptions')
      .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
      .where('id', '=', outcome.subscriptionId)
      .returning(['consecutive_failures', 'enabled'])
      .executeTakeFirst();
    if (!streak) return { written: true, consecutiveFailures: 0, pausedReason: null };
    if (streak.enabled !== 1 || streak.consecutive_failures < outcome.maxConsecutiveFailures) {
      return { written: true, consecutiveFailures: streak.consecutive_failures, pausedReason: null };
    }
    const last = outcome.error ? `${outcome.status}: ${firstLine(outcome.error)}` : outcome.status;
    const reason = `paused by botd after ${streak.consecutive_failures} consecutive failed runs (last: ${last})`;
    await trx.updateTable('subscriptions').set({ enabled: 0, paused_reason: reason, updated_at: at }).where('id', '=', outcome.subscriptionId).execute();
    return { written: true, consecutiveFailures: streak.consecutive_failures, pausedReason: reason };
  });
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Runs of the subscription still marked running, with the process (and node) that runs them. */
export function runningRuns(db: Kysely<Database>, subscriptionId: number): Promise<{ id: number; daemon_pid: number | null; node_id: number | null }[]> {
  return db.selectFrom('runs').select(['id', 'daemon_pid', 'node_id']).where('subscription_id', '=', subscriptionId).where('status', '=', 'running').execute();
}

export interface AbandonedRun {
  id: number;
  subscription_id: number;
  child_pid: number | null;
  node_id: number | null;
}

export interface RunOwner {
  daemon_pid: number | null;
  node_id: number | null;
}

// Marks `running` rows whose owner is gone as `abandoned`: at botd's start-up the runs a previous botd (or a
// killed `botctl run`) left behind, and in a fleet those of a node whose lease ran out. Their children may still
// be alive and are the caller's to kill (when they are on this host). Each row is updated only while still
// `running`, so a run that finished meanwhile keeps its outcome, and two nodes abandoning at once report it once.
export async function abandonRuns(db: Kysely<Database>, stale: (owner: RunOwner) => boolean, reason: string): Promise<AbandonedRun[]> {
  const rows = await db.selectFrom('runs').select(['id', 'subscription_id', 'child_pid', 'daemon_pid', 'node_id']).where('status', '=', 'running').execute();
  const abandoned: AbandonedRun[] = [];
  for (const row of rows.filter(stale)) {
    const updated = await db
      .updateTable('runs')
      .set({ status: 'abandoned', finished_at: now(), error: reason })
      .where('id', '=', row.id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) abandoned.push({ id: row.id, subscription_id: row.subscription_id, child_pid: row.child_pid, node_id: row.node_id });
  }
  return abandoned;
}

/** The latest scheduled_for per subscription: where the missed-run policy starts counting. */
export async function lastScheduledFor(db: Kysely<Database>): Promise<Map<number, string>> {
  const rows = await db
    .selectFrom('runs')
    .select((eb) => ['subscription_id', eb.fn.max('scheduled_for').as('last')])
    .groupBy('subscription_id')
    .execute();
  return new Map(rows.map((r) => [r.subscription_id, r.last]));
}

export async function loadState(db: Kysely<Database>, subscriptionId: number): Promise<Record<string, unknown>> {
  const row = await db.selectFrom('bot_state').select('state').where('subscription_id', '=', subscriptionId).executeTakeFirst();
  if (!row) return {};
  const state: unknown = JSON.parse(row.state);
  return state && typeof state === 'object' && !Array.isArray(state) ? (state as Record<string, unknown>) : {};
}
