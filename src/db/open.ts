import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider, type SqliteDatabase } from 'kysely';
import { migrations } from '../../migrations/index.js';
import { BotctlError } from '../errors.js';
import { ensureHome, homePaths } from '../home.js';
import type { PostgresConnection } from './open-postgres.js';
import type { PostgresUrl } from './postgres-url.js';
import type { Database } from './schema.js';

export interface SqliteConnection {
  engine: 'sqlite';
  db: Kysely<Database>;
  /** The raw handle, for what only SQLite has: PRAGMAs (data_version, WAL checkpoints, quick_check). */
  sqlite: SQLite.Database;
  /** The file, for messages. */
  location: string;
  close(): Promise<void>;
}

/** The database botctl and botd use: SQLite in the home (the default), or PostgreSQL (BOTCTL_DATABASE_URL). */
export type Connection = SqliteConnection | PostgresConnection;

/**
 * The home's SQLite file, or the PostgreSQL at `url`. pg is loaded only when a URL is given, so SQLite-only
 * commands never load it.
 */
export async function openDatabase(home: string, options: { readonly?: boolean; url?: PostgresUrl | undefined } = {}): Promise<Connection> {
  if (!options.url) return openSqlite(home, options);
  const { openPostgres } = await import('./open-postgres.js');
  return openPostgres(options.url);
}

export const walSizeLimitBytes = 4 * 1024 * 1024;

const provider: MigrationProvider = { getMigrations: async () => migrations };
const latestSchemaVersion = Object.keys(migrations).length;

// Opens (and creates, and migrates) the SQLite database in a home folder.
export async function openSqlite(home: string, options: { readonly?: boolean } = {}): Promise<SqliteConnection> {
  ensureHome(home);
  const location = homePaths(home).database;
  const sqlite = new SQLite(location, { readonly: options.readonly ?? false });
  // busy_timeout first: every later statement, including the switch to WAL, may wait on another process.
  sqlite.pragma('busy_timeout = 5000');
  if (!options.readonly) enableWal(sqlite);
  sqlite.pragma('synchronous = NORMAL');
  // After a checkpoint resets the WAL, truncate it to this size: without it the WAL keeps its largest size
  // forever (12 MB seen under load). botd checkpoints every minute (daemon.ts).
  sqlite.pragma(`journal_size_limit = ${walSizeLimitBytes}`);
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const connection: SqliteConnection = { engine: 'sqlite', db, sqlite, location, close: () => db.destroy() };
  try {
    if (!options.readonly) await migrateToLatest(connection);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return connection;
}

// The first statement that touches the file. SQLite documents two moments where WAL answers SQLITE_BUSY at
// once, without waiting out busy_timeout: while the last connection to close is cleaning up the -wal and
// -shm files, and while the first to open after a crash runs recovery. Both happen when short-lived botctl
// processes come and go together (seen in CI: five at once on a fresh home). Once this statement has
// succeeded the connection holds its share of the WAL index, so no later cleanup can race it: retrying
// here, briefly and boundedly, is enough. It also switches a fresh file to WAL (the mode persists).
function enableWal(sqlite: SQLite.Database, deadline = Date.now() + 5_000): void {
  for (let attempt = 1; ; attempt++) {
    try {
      if (sqlite.pragma('journal_mode', { simple: true }) !== 'wal') sqlite.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      // A synchronous pause: opening the database is synchronous all the way through.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(5 * attempt, 50));
    }
  }
}

// SQLite's DDL is transactional, but kysely treats it as not, and its migration lock is a no-op there.
// So the whole migration runs inside one BEGIN IMMEDIATE: a second process waits on the write lock
// (busy_timeout), then finds user_version current and does nothing.
export async function migrateToLatest({ db, sqlite }: Pick<SqliteConnection, 'db' | 'sqlite'>): Promise<void> {
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

// kysely prepares every query afresh; preparing costs about as much as running a small insert. Reusing
// prepared statements by SQL text is safe here: kysely runs one query at a time on its single connection,
// and SQLite re-prepares a statement by itself after a schema change. Bounded, since SQL with a varying
// number of parameters (IN lists, multi-row inserts) produces ever new texts.
function withStatementCache(sqlite: SQLite.Database, size = 256): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement) {
        // Refresh its place in the insertion order: the map doubles as an LRU list.
        statements.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (statements.size >= size) statements.delete(statements.keys().next().value as string);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}

function schemaVersion(sqlite: SQLite.Database): number {
  return sqlite.pragma('user_version', { simple: true }) as number;
}
