import type { Kysely } from 'kysely';
import { beforeAll, beforeEach } from 'vitest';
import { openSqlite, type SqliteConnection } from '../../src/db/open.js';
import type { Database } from '../../src/db/schema.js';
import { temporaryHome } from './home.js';

// A fresh, real home with its database open (created and migrated), for tests that call the library directly.
export interface TemporaryDatabase {
  home: string;
  connection: SqliteConnection;
  db: Kysely<Database>;
  /** Closes the connection, then removes the home. */
  close(): Promise<void>;
}

export async function openTemporaryDatabase(): Promise<TemporaryDatabase> {
  const { home, remove } = temporaryHome();
  let connection: SqliteConnection;
  try {
    connection = await openSqlite(home);
  } catch (error) {
    remove();
    throw error;
  }
  return {
    home,
    connection,
    db: connection.db,
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
  };
}
