import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { migrations } from '../../migrations/index.js';
import { BotctlError } from '../errors.js';
import { ensureHome, homePaths } from '../home.js';
import type { Database } from './schema.js';

export interface Connection {
  db: Kysely<Database>;
  /** The raw handle, for PRAGMAs and synchronous transactions on hot paths. */
  sqlite: SQLite.Database;
  close(): Promise<void>;
}

const provider: MigrationProvider = { getMigrations: async () => migrations };
const latestSchemaVersion = Object.keys(migrations).length;

// Opens (and creates, and migrates) the database in a home folder.
export async function openDatabase(home: string, options: { readonly?: boolean } = {}): Promise<Connection> {
  ensureHome(home);
  const sqlite = new SQLite(homePaths(home).database, { readonly: options.readonly ?? false });
  // busy_timeout first: every later statement, including the switch to WAL, may wait on another process.
  sqlite.pragma('busy_timeout = 5000');
  if (!options.readonly) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const connection: Connection = { db, sqlite, close: () => db.destroy() };
  try {
    if (!options.readonly) await migrateToLatest(connection);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return connection;
}

// SQLite's DDL is transactional, but kysely treats it as not, and its migration lock is a no-op there.
// So the whole migration runs inside one BEGIN IMMEDIATE: a second process waits on the write lock
// (busy_timeout), then finds user_version current and does nothing.
export async function migrateToLatest({ db, sqlite }: Connection): Promise<void> {
  if (schemaVersion(sqlite) === latestSchemaVersion) return;
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    if (schemaVersion(sqlite) !== latestSchemaVersion) {
      const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
      const failed = results?.find((r) => r.status === 'Error');
      if (error) {
        throw new BotctlError('runtime_failure', `Database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, {
          cause: error,
        });
      }
      sqlite.pragma(`user_version = ${latestSchemaVersion}`);
    }
    sqlite.exec('COMMIT');
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw error;
  }
}

function schemaVersion(sqlite: SQLite.Database): number {
  return sqlite.pragma('user_version', { simple: true }) as number;
}
