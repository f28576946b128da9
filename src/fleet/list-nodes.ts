// `botctl nodes`: the fleet as the database records it. For each node: whether it holds its lease (live), stopped
// or was lost, how long ago it last renewed its lease (by the database's clock), its runs going now, and its share
// of the slots claimed over the last ten minutes (what "work spreads evenly" is checked against).
import { sql, type Kysely } from 'kysely';
import { dialectSql } from '../db/dialect-sql.js';
import type { Database } from '../db/schema.js';

export const shareWindowMs = 10 * 60_000;

export interface NodeRow {
  id: number;
  name: string;
  host: string;
  pid: number;
  state: 'live' | 'stopped' | 'lost' | 'lease expired';
  started_at: string;
  heartbeat_at: string;
  /** Seconds since its last heartbeat, by the database's clock. */
  lease_age_s: number;
  running: number;
  /** Runs it claimed in the last ten minutes, and their part of all the fleet's claims then (0..1). */
  recent_runs: number;
  share: number;
  stop_reason: string | null;
}

export interface NodesReport {
  nodes: NodeRow[];
  live: number;
  window_minutes: number;
}

/** Nodes live now, and those stopped within `stoppedWithinMs` (all of them with `all`). */
export async function listNodes(db: Kysely<Database>, options: { all?: boolean; stoppedWithinMs?: number } = {}): Promise<NodesReport> {
  const t = dialectSql(db);
  const now = (await sql<{ now: string }>`SELECT ${t.now} AS now`.execute(db)).rows[0]?.now ?? new Date().toISOString();
  const since = new Date(Date.parse(now) - shareWindowMs).toISOString();
  const stoppedSince = new Date(Date.parse(now) - (options.stoppedWithinMs ?? 24 * 3_600_000)).toISOString();
  let query = db.selectFrom('nodes').selectAll().orderBy('id');
  if (!options.all) query = query.where((eb) => eb.or([eb('stopped_at', 'is', null), eb('stopped_at', '>', stoppedSince)]));
  const nodes = await query.execute();
  const running = await db.selectFrom('runs').select((eb) => ['node_id', eb.fn.countAll<number>().as('n')]).where('status', '=', 'running').where('node_id', 'is not', null).groupBy('node_id').execute();
  const recent = await db.selectFrom('runs').select((eb) => ['node_id', eb.fn.countAll<number>().as('n')]).where('started_at', '>', since).where('node_id', 'is not', null).groupBy('node_id').execute();
  const count = (rows: { node_id: number | null; n: number | string }[], id: number) => Number(rows.find((r) => r.node_id === id)?.n ?? 0);
  const total = recent.reduce((sum, r) => sum + Number(r.n), 0);
  const rows: NodeRow[] = nodes.map((n) => {
    const state: NodeRow['state'] = n.stopped_at !== null ? (n.stop_reason?.startsWith('lost') ? 'lost' : 'stopped') : n.lease_until > now ? 'live' : 'lease expired';
    const recentRuns = count(recent, n.id);
    return {
      id: n.id,
      name: n.name,
      host: n.host,
      pid: n.pid,
      state,
      started_at: n.started_at,
      heartbeat_at: n.heartbeat_at,
      lease_age_s: Math.max(0, Math.round((Date.parse(now) - Date.parse(n.heartbeat_at)) / 100) / 10),
      running: count(running, n.id),
      recent_runs: recentRuns,
      share: total ? Math.round((recentRuns / total) * 1000) / 1000 : 0,
      stop_reason: n.stop_reason,
    };
  });
  return { nodes: rows, live: rows.filter((r) => r.state === 'live').length, window_minutes: shareWindowMs / 60_000 };
}
