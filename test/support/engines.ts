// Runs a suite against both database engines through the same code: the home's SQLite file and a real PostgreSQL
// (test/support/postgres.ts: initdb into a temporary folder, started and stopped here). Where PostgreSQL is absent
// its half skips with the reason, except in CI.
import { describe } from 'vitest';
import { openDatabase, type Connection } from '../../src/db/open.js';
import { parsePostgresUrl } from '../../src/db/postgres-url.js';
import { temporaryHome } from './home.js';
import { postgres, usePostgres, type PostgresServer } from './postgres.js';
import { skipWithout } from './tools.js';

export type EngineName = Connection['engine'];

export interface EngineHandle {
  engine: EngineName;
  /** A fresh, migrated database of this engine; closed and removed with the suite. */
  open(): Promise<Connection>;
  /** The PostgreSQL server (the `postgres` half only). */
  readonly server: PostgresServer | undefined;
}

export function describeEachEngine(name: string, suite: (engine: EngineHandle) => void): void {
  describe(`${name} (SQLite)`, () => {
    suite({
      engine: 'sqlite',
      open: async () => {
        const { home, remove } = temporaryHome();
        const connection = await openDatabase(home);
        const close = connection.close;
        return Object.assign(connection, { close: async () => (await close(), remove()) });
      },
      server: undefined,
    });
  });
  describe.skipIf(skipWithout(postgres, `${name} on PostgreSQL`))(`${name} (PostgreSQL)`, () => {
    const pg = usePostgres();
    suite({
      engine: 'postgres',
      // The home is not used: the URL names the database.
      open: async () => openDatabase('/nonexistent', { url: parsePostgresUrl(await pg.server.createDatabase(), 'test') }),
      get server() {
        return pg.server;
      },
    });
  });
}
