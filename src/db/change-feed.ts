// "Another process changed the database": what botd reloads its schedule, names and notification channels on.
// - SQLite: `PRAGMA data_version` changes when another connection commits; polled (every 500 ms by default).
// - PostgreSQL: LISTEN on `botctl_changes`, which triggers on the tables botd reads fire at commit
//   (migrations/2026-11-30T00-fleet-nodes.ts): a change reaches every node in milliseconds, with no polling.
//   The LISTEN connection is watched: if it is lost (the server restarted), it is opened again with backoff, and
//   listeners hear `reconnected`, since changes made meanwhile were not announced.
import type pg from 'pg';
import type { Connection } from './open.js';

export type Change = 'changed' | 'reconnected';

export interface ChangeFeed {
  /** Calls `listener` on every change; returns how to stop listening. */
  on(listener: (change: Change) => void): () => void;
  close(): Promise<void>;
}

export interface ChangeFeedOptions {
  pollMs?: number;
  onError?: (error: unknown, retryInMs: number) => void;
}

export const changesChannel = 'botctl_changes';

export async function watchChanges(connection: Connection, options: ChangeFeedOptions = {}): Promise<ChangeFeed> {
  const listeners = new Set<(change: Change) => void>();
  const emit = (change: Change) => {
    for (const listener of [...listeners]) listener(change);
  };
  const on = (listener: (change: Change) => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  if (connection.engine === 'sqlite') {
    const { sqlite } = connection;
    const read = () => sqlite.pragma('data_version', { simple: true }) as number;
    let version = read();
    const timer = setInterval(() => {
      try {
        const now = read();
        if (now === version) return;
        version = now;
        emit('changed');
      } catch (error) {
        // Closed or busy: the next poll tries again.
        options.onError?.(error, options.pollMs ?? 500);
      }
    }, options.pollMs ?? 500);
    timer.unref();
    return { on, close: async () => clearInterval(timer) };
  }
  return listenPostgres(connection.pool, emit, on, options);
}

const maxRetryMs = 5_000;

async function listenPostgres(pool: pg.Pool, emit: (change: Change) => void, on: ChangeFeed['on'], options: ChangeFeedOptions): Promise<ChangeFeed> {
  let client: pg.PoolClient | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (attempt: number): Promise<void> => {
    let next: pg.PoolClient | undefined;
    try {
      next = await pool.connect();
      if (closed) return next.release();
      const mine = next;
      mine.on('notification', () => emit('changed'));
      mine.on('error', (error) => lost(mine, error));
      mine.on('end', () => lost(mine, new Error('the LISTEN connection ended')));
      await mine.query(`LISTEN ${changesChannel}`);
      client = mine;
      if (attempt > 0) emit('reconnected');
    } catch (error) {
      // A client that connected but could not LISTEN goes back destroyed, not kept out of the pool for good.
      if (next && client !== next) next.release(error instanceof Error ? error : new Error(String(error)));
      schedule(attempt + 1, error);
    }
  };
  const lost = (which: pg.PoolClient, error: unknown) => {
    if (client !== which) return;
    client = undefined;
    // Destroyed, not returned to the pool: its connection is gone.
    which.release(error instanceof Error ? error : new Error(String(error)));
    if (!closed) schedule(1, error);
  };
  const schedule = (attempt: number, error: unknown) => {
    if (closed) return;
    const waitMs = Math.min(100 * 2 ** attempt, maxRetryMs);
    options.onError?.(error, waitMs);
    retry = setTimeout(() => void connect(attempt), waitMs);
  };
  await connect(0);
  return {
    on,
    async close() {
      closed = true;
      clearTimeout(retry);
      const last = client;
      client = undefined;
      if (last) {
        await last.query(`UNLISTEN ${changesChannel}`).catch(() => undefined);
        last.release();
      }
    },
  };
}
