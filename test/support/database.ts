import type { Kysely } from 'kysely';
import { beforeAll, beforeEach } from 'vitest';
import { openDatabase, openSqlite, type Connection, type SqliteConnection } from '../../src/db/open.js';
import { parsePostgresUrl } from '../../src/db/postgres-url.js';
import type { Database } from '../../src/db/schema.js';
import { temporaryHome } from './home.js';
import pg from 'pg';

// A fresh, real home with its database open (created and migrated), for tests that call the library directly.
// The home's SQLite file, or with TEST_DATABASE=postgres a fresh database on the run's PostgreSQL (started by
// test/support/global-postgres.ts): `.ci/run` runs the suites that use this a second time so, on both engines,
// through the same code.
export const testEngine: Connection['engine'] = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

let databases = 0;

async function openTestDatabase(home: string): Promise<{ connection: Connection; env: Record<string, string> }> {
  if (testEngine === 'sqlite') return { connection: await openDatabase(home), env: {} };
  const admin = process.env.TEST_POSTGRES_URL;
  if (!admin) throw new Error('TEST_DATABASE=postgres, but no server: vitest.config.ts runs test/support/global-postgres.ts to start one');
  const name = `t_${process.pid}_${++databases}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { connection: await openDatabase(home, { url: parsePostgresUrl(url.href, 'TEST_POSTGRES_URL') }), env: { BOTCTL_DATABASE_URL: url.href } };
}

export interface TemporaryDatabase {
  home: string;
  connection: Connection;
  db: Kysely<Database>;
  /** What a botctl or botd process needs in its environment to use this same database. */
  env: Record<string, string>;
  /** Closes the connection, then removes the home. */
  close(): Promise<void>;
}

export async function openTemporaryDatabase(): Promise<TemporaryDatabase> {
  const { home, remove } = temporaryHome();
  let connection: Connection;
  let env: Record<string, string>;
  try {
    ({ connection, env } = await openTestDatabase(home));
  } catch (error) {
    remove();
    throw error;
  }
  return {
    home,
    connection,
    db: connection.db,
    env,
    async close() {
      await connection.close();
      remove();
    },
  };
}

/** Always the home's SQLite file, whatever TEST_DATABASE says: for what only SQLite has (its schema text, PRAGMAs). */
export async function openTemporarySqlite(): Promise<{ home: string; connection: SqliteConnection; close(): Promise<void> }> {
  const { home, remove } = temporaryHome();
  const connection = await openSqlite(home);
  return {
    home,
    connection,
    async close() {
      await connection.close();
      remove();
    },
  };
}

/**
 * Registers the hooks that open a temporary database and close it afterwards: one shared by every test of the
 * enclosing suite (`'suite'`, beforeAll), or a fresh one for each test (`'test'`, beforeEach). It is closed
 * after the suite's (or test's) own afterAll (afterEach) hooks have run. Read the getters in tests and in hooks
 * registered after this call; outside them they throw.
 */
export function useTemporaryDatabase(per: 'suite' | 'test' = 'suite'): Readonly<Omit<TemporaryDatabase, 'close'>> {
  let current: TemporaryDatabase | undefined;
  const open = async () => {
    const opened = await openTemporaryDatabase();
    current = opened;
    return async () => {
      current = undefined;
      await opened.close();
    };
  };
  if (per === 'suite') beforeAll(open);
  else beforeEach(open);
  const get = (): TemporaryDatabase => {
    if (current === undefined) throw new Error('useTemporaryDatabase: the database is open only inside the tests and hooks it serves');
    return current;
  };
  return {
    get home() {
      return get().home;
    },
    get connection() {
      return get().connection;
    },
    get db() {
      return get().db;
    },
    get env() {
      return get().env;
    },
  };
}
