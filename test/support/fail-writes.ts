// A real failure inside the database's own transaction, on either engine: a trigger that aborts every insert into
// a table with the given message, as a full disk or a constraint would abort it. Returns how to remove it.
import { sql } from 'kysely';
import type { Connection } from '../../src/db/open.js';

export async function failInsertsInto(connection: Connection, table: string, message: string): Promise<() => Promise<void>> {
  const name = `fail_${table}`;
  if (connection.engine === 'sqlite') {
    connection.sqlite.exec(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, '${message}'); END`);
    return async () => void connection.sqlite.exec(`DROP TRIGGER ${name}`);
  }
  await sql.raw(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${message}'; END $$`).execute(connection.db);
  await sql.raw(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`).execute(connection.db);
  return async () => {
    await sql.raw(`DROP TRIGGER ${name} ON ${table}`).execute(connection.db);
    await sql.raw(`DROP FUNCTION ${name}()`).execute(connection.db);
  };
}
