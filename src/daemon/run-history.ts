// Reading the run ledger for `botctl runs`, `botctl logs` and `botctl run`.
import type { Kysely } from 'kysely';
import type { Database, Run, RunStatus } from '../db/schema.js';
import { notFound } from '../errors.js';

export interface RunListing {
  id: number;
  subscription_id: number;
  scheduled_for: string;
  started_at: string;
  status: RunStatus;
  /** finished_at − started_at; null while running. */
  duration_ms: number | null;
  code_sha256: string | null;
  error: string | null;
}

export interface RunDetail extends RunListing {
  finished_at: string | null;
  exit_code: number | null;
  signal: string | null;
  log_tail: string | null;
}

export function durationMs(run: Pick<Run, 'started_at' | 'finished_at'>): number | null {
  if (!run.finished_at) return null;
  const ms = Date.parse(run.finished_at) - Date.parse(run.started_at);
  return Number.isFinite(ms) ? Math.max(0, ms) : null;
}

/** Newest first. */
export async function listRuns(db: Kysely<Database>, filter: { subscriptionId?: number; limit: number }): Promise<RunListing[]> {
  let query = db
    .selectFrom('runs')
    .select(['id', 'subscription_id', 'scheduled_for', 'started_at', 'finished_at', 'status', 'code_sha256', 'error'])
    .orderBy('id', 'desc')
    .limit(filter.limit);
  if (filter.subscriptionId !== undefined) query = query.where('subscription_id', '=', filter.subscriptionId);
  const rows = await query.execute();
  return rows.map(({ finished_at, ...r }) => ({
    id: r.id,
    subscription_id: r.subscription_id,
    scheduled_for: r.scheduled_for,
    started_at: r.started_at,
    status: r.status,
    duration_ms: durationMs({ started_at: r.started_at, finished_at }),
    code_sha256: r.code_sha256,
    error: r.error,
  }));
}

export async function findRun(db: Kysely<Database>, id: number): Promise<RunDetail> {
  const run = await db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!run) throw notFound(`No run with id ${id}.`, 'botctl runs');
  return {
    id: run.id,
    subscription_id: run.subscription_id,
    scheduled_for: run.scheduled_for,
    started_at: run.started_at,
    finished_at: run.finished_at,
    status: run.status,
    duration_ms: durationMs(run),
    exit_code: run.exit_code,
    signal: run.signal,
    code_sha256: run.code_sha256,
    error: run.error,
    log_tail: run.log_tail,
  };
}
