// Opens a Kysely<Database> on PostgreSQL (kysely's PostgresDialect over a pg pool) and migrates it with the
// same migrations and Migrator as SQLite (src/db/dialect-sql.ts holds what differs). Loaded only by what
// needs PostgreSQL, so SQLite-only commands never load pg.
import { Kysely, Migrator, PostgresDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { migrations } from '../../migrations/index.js';
import { BotctlError, errorText } from '../errors.js';
import { parsePostgresUrl, postgresLocation, redactUrl, type PostgresUrl } from './postgres-url.js';
import type { Database } from './schema.js';

export interface PostgresConnection {
  engine: 'postgres';
  db: Kysely<Database>;
  target: PostgresUrl;
  /** The server and database, for messages (never the password). */
  location: string;
  /** The pool under kysely: LISTEN needs a client of its own (change-feed.ts). */
  pool: pg.Pool;
  close(): Promise<void>;
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

const int8 = 20;

// pg returns bigint as a string (it may exceed 2^53); the schema's types say number, as better-sqlite3 gives.
// Every bigint here is an id, a count or a size, far below 2^53: read as a number, and refuse one that is not.
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`bigint ${text} is beyond JavaScript's safe integers`);
  return value;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === int8 && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export async function openPostgres(
  url: string | PostgresUrl,
  options: { migrate?: boolean; maxConnections?: number; field?: string } = {},
): Promise<PostgresConnection> {
  const target = typeof url === 'string' ? parsePostgresUrl(url, options.field ?? 'the database URL') : url;
  const pool = new pg.Pool({ connectionString: target.url, max: options.maxConnections ?? 8, types, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const connection: PostgresConnection = { engine: 'postgres', db, target, location: postgresLocation(target), pool, close: () => db.destroy() };
  try {
    // Connect once up front, so an unreachable server or a refused login is one clear message.
    await pool.query('SELECT 1');
    if (options.migrate ?? true) await migratePostgres(db);
  } catch (error) {
    await db.destroy();
    throw postgresError(error, target);
  }
  return connection;
}

// DDL is transactional on PostgreSQL: kysely's Migrator runs all pending migrations in one transaction
// under an advisory lock, so concurrent starts migrate once and a failure leaves nothing half-built.
// `inTransaction`: `db` is one connection inside a transaction the caller opened (`botctl db copy` migrates
// and copies in one), so the Migrator must not open its own.
export async function migratePostgres(db: Kysely<Database>, options: { inTransaction?: boolean } = {}): Promise<void> {
  const { error, results } = await new Migrator({ db, provider, disableTransactions: options.inTransaction ?? false }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new BotctlError('runtime_failure', `Database migration ${failed?.migrationName ?? ''} failed on PostgreSQL: ${errorText(error)}`, { cause: error });
  }
}

/** A BotctlError (exit 1) naming the server and the cause, for errors from pg; others pass through. */
export function postgresError(error: unknown, target: PostgresUrl): unknown {
  if (error instanceof BotctlError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const where = `PostgreSQL at ${target.server}, database ${target.database}`;
  const message = redactUrl(errorText(error));
  const next: Record<string, string> = {
    ECONNREFUSED: `start PostgreSQL on ${target.server}, or check the host and port in the URL`,
    ENOTFOUND: `check the host name in the URL`,
    '28P01': `check the user and password (give the URL on stdin or in BOTCTL_DATABASE_URL, never in argv)`,
    '28000': `allow user ${target.user} in pg_hba.conf, or connect as another user`,
    '3D000': `create it first: createdb ${target.database}`,
  };
  const hint = typeof code === 'string' ? next[code] : undefined;
  if (typeof code !== 'string' && !/timeout|connect/i.test(message)) return error;
  return new BotctlError('runtime_failure', `${where}: ${message}`, { cause: error, ...(hint ? { hint } : {}) });
}
