import { sql, type Kysely } from 'kysely';
import { engineOf } from './dialect-sql.js';
import type { Database } from './schema.js';

// A transaction that holds the write lock from its first statement. On SQLite, kysely's transaction() begins
// DEFERRED: a read-then-write transaction can then fail with SQLITE_BUSY at once, without waiting out
// busy_timeout, when another process wrote in between; BEGIN IMMEDIATE takes the lock up front. PostgreSQL locks
// rows as they are written and waits by itself: kysely's own transaction (READ COMMITTED) is right there.
export async function writeTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (engineOf(db) === 'postgres') return db.transaction().execute(work);
  return db.connection().execute(async (connection) => {
    await sql`BEGIN IMMEDIATE`.execute(connection);
    try {
      const result = await work(connection);
      await sql`COMMIT`.execute(connection);
      return result;
    } catch (error) {
      await sql`ROLLBACK`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}
