import { resolveHome, homePaths } from '../home.js';
import type { Connection, SqliteConnection } from '../db/open.js';
import { databaseUrlOf } from '../db/database-url.js';
import { postgresLocation, type PostgresUrl } from '../db/postgres-url.js';

// What every command handler receives: the resolved home and a lazily opened database.
export interface CommandContext {
  home: string;
  json: boolean;
  /** PostgreSQL, when BOTCTL_DATABASE_URL or --database names one; else the home's SQLite file is the database. */
  databaseUrl: PostgresUrl | undefined;
  /** The database, for messages: the SQLite file, or the server and database name (never the password). */
  databaseLocation: string;
  database(): Promise<Connection>;
  /** The home's SQLite file whatever the database is: what `botctl db copy` copies from. */
  sqlite(): Promise<SqliteConnection>;
  close(): Promise<void>;
}

export interface ContextOptions {
  home?: string;
  json?: boolean;
  database?: string;
}

export function createContext(options: ContextOptions): CommandContext {
  const home = resolveHome(options.home);
  const databaseUrl = databaseUrlOf(options.database);
  let connection: Promise<Connection> | undefined;
  let local: Promise<SqliteConnection> | undefined;
  const opened = () => [connection, local];
  return {
    home,
    json: Boolean(options.json),
    databaseUrl,
    databaseLocation: databaseUrl ? postgresLocation(databaseUrl) : homePaths(home).database,
    database() {
      connection ??= import('../db/open.js').then(({ openDatabase }) => openDatabase(home, { url: databaseUrl }));
      return connection;
    },
    sqlite() {
      local ??= import('../db/open.js').then(({ openSqlite }) => openSqlite(home));
      return local;
    },
    async close() {
      // A database that failed to open has nothing to close; its error was reported by the command.
      for (const pending of opened()) {
        const open = await pending?.catch(() => undefined);
        await open?.close();
      }
    },
  };
}
