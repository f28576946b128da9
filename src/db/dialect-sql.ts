// What the migrations write differently on SQLite and on PostgreSQL, in one place, so that the same migration
// files build the same schema on both engines (issue 12). On SQLite every value here is exactly what the
// migrations wrote before they learned PostgreSQL: its schema text stays byte-identical
// (test/db/sqlite-schema.test.ts compares it with a copy captured before the change).
import { PostgresIntrospector, sql, type ColumnDefinitionBuilder, type Kysely, type RawBuilder } from 'kysely';

export type Engine = 'sqlite' | 'postgres';

export interface DialectSql {
  engine: Engine;
  /**
   * An integer column. SQLite's INTEGER holds 64 bits; PostgreSQL's holds 32, which runs at 100,000 a minute
   * exhaust in 15 days: bigint there (read back as a JS number, see open-postgres.ts).
   */
  integer: 'integer' | 'bigint';
  /** A float: SQLite's REAL is 8 bytes, PostgreSQL's `real` only 4 (amounts would lose digits). */
  real: 'real' | 'double precision';
  /** The `id` column's constraints, applied to a column of type `integer` (above). */
  id(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /**
   * The current time as the text the app writes and compares: `YYYY-MM-DDTHH:MM:SS.sssZ` (new Date().toISOString()).
   * Timestamps stay text on both engines, so the same strings sort and compare the same way everywhere.
   */
  now: RawBuilder<string>;
  /** The same text, `ms` milliseconds from now (negative: ago), by the database's clock: fleet leases. */
  nowPlus(ms: number): RawBuilder<string>;
}

const sqlite: DialectSql = {
  engine: 'sqlite',
  integer: 'integer',
  real: 'real',
  id: (c) => c.primaryKey().autoIncrement(),
  now: sql<string>`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
  nowPlus: (ms) => sql<string>`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`${ms / 1000} seconds`}))`,
};

const postgres: DialectSql = {
  engine: 'postgres',
  integer: 'bigint',
  real: 'double precision',
  // By default, not always: `botctl db copy` inserts the ids it copies, then moves the sequence past them.
  id: (c) => c.primaryKey().generatedByDefaultAsIdentity(),
  // now() is the transaction's start, like the app's own timestamps taken once per write; `MS` is milliseconds.
  now: sql<string>`(to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
  nowPlus: (ms) => sql<string>`(to_char((now() + ${ms} * interval '1 millisecond') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
};

/** The engine behind a Kysely instance (or transaction), by its dialect's public introspector. */
export function engineOf(db: Kysely<any>): Engine {
  return db.introspection instanceof PostgresIntrospector ? 'postgres' : 'sqlite';
}

export function dialectSql(db: Kysely<any>): DialectSql {
  return engineOf(db) === 'postgres' ? postgres : sqlite;
}
