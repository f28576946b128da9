import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

// A transaction that takes SQLite's write lock up front (BEGIN IMMEDIATE). kysely's transaction() begins
// DEFERRED: a read-then-write transaction can then fail with SQLITE_BUSY at once, without waiting out
// busy_timeout, when another process wrote in between. Read-check-write sequences use this instead.
export async function writeTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
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
