// `botctl db copy`: an SQLite home's data into an empty PostgreSQL database, ids kept, in one transaction on
// the target (a failure leaves it as it was), read from one SQLite snapshot (botd may keep running; what it
// writes after the snapshot is not copied). Values are copied as stored: encrypted columns stay ciphertext.
import type SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { conflict, BotctlError, errorText } from '../errors.js';
import { migratePostgres } from './open-postgres.js';
import type { Database } from './schema.js';

export interface TableCopy {
  table: string;
  rows: number;
  /** The value the id sequence will hand out next, for tables with one. */
  next_id?: number;
}

export interface CopyProgress {
  table: string;
  done: number;
  total: number;
}

// One batch is sent as a single JSON parameter: no limit on bound parameters, one round trip per batch.
const batchRows = 1000;
const batchBytes = 4 * 1024 * 1024;
// Any constant: two copies into one database queue here, and the second then finds it not empty.
const copyLockKey = 0x626f7463;

interface SourceTable {
  name: string;
  columns: string[];
  rows: number;
  /** SQLite's AUTOINCREMENT high-water mark, beyond max(id) when the newest rows were deleted. */
  nextId?: number;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The app's tables, parents before children (by their foreign keys), in creation order otherwise. */
export function sourceTables(sqlite: SQLite.Database): SourceTable[] {
  const names = (sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'kysely\\_%' ESCAPE '\\' ORDER BY rowid`).all() as { name: string }[]).map((r) => r.name);
  const parents = new Map(names.map((n) => [n, new Set((sqlite.pragma(`foreign_key_list(${quote(n)})`) as { table: string }[]).map((k) => k.table).filter((t) => t !== n))]));
  const ordered: string[] = [];
  while (ordered.length < names.length) {
    const next = names.find((n) => !ordered.includes(n) && [...(parents.get(n) ?? [])].every((p) => ordered.includes(p)));
    if (!next) throw new BotctlError('runtime_failure', `the foreign keys between ${names.filter((n) => !ordered.includes(n)).join(', ')} form a cycle: no order to copy them in`);
    ordered.push(next);
  }
  const sequences = new Map((hasTable(sqlite, 'sqlite_sequence') ? (sqlite.prepare('SELECT name, seq FROM sqlite_sequence').all() as { name: string; seq: number }[]) : []).map((r) => [r.name, r.seq]));
  return ordered.map((name) => {
    const columns = (sqlite.pragma(`table_info(${quote(name)})`) as { name: string }[]).map((c) => c.name);
    const rows = (sqlite.prepare(`SELECT count(*) AS n FROM ${quote(name)}`).get() as { n: number }).n;
    if (!columns.includes('id')) return { name, columns, rows };
    const maxId = (sqlite.prepare(`SELECT max(id) AS m FROM ${quote(name)}`).get() as { m: number | null }).m ?? 0;
    return { name, columns, rows, nextId: Math.max(maxId, sequences.get(name) ?? 0) + 1 };
  });
}

function hasTable(sqlite: SQLite.Database, name: string): boolean {
  return sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

/**
 * Copies every table; the caller opened `target` without migrating it. Refuses (exit 2, nothing written) a
 * target that holds any table of its own or any row in ours.
 */
export async function copyToPostgres(sqlite: SQLite.Database, target: Kysely<Database>, onProgress?: (p: CopyProgress) => void): Promise<TableCopy[]> {
  // A read transaction: every table is read from the same moment, however long the copy takes.
  sqlite.exec('BEGIN');
  try {
    const tables = sourceTables(sqlite);
    return await target.connection().execute(async (db) => {
      await sql`BEGIN`.execute(db);
      try {
        await sql`SELECT pg_advisory_xact_lock(${copyLockKey})`.execute(db);
        await assertEmpty(db, tables.map((t) => t.name));
        await migratePostgres(db, { inTransaction: true });
        const copied: TableCopy[] = [];
        for (const table of tables) copied.push(await copyTable(sqlite, db, table, onProgress));
        await sql`COMMIT`.execute(db);
        return copied;
      } catch (error) {
        await sql`ROLLBACK`.execute(db).catch(() => undefined);
        throw error;
      }
    });
  } finally {
    sqlite.exec('COMMIT');
  }
}

/** Empty: no tables but ours (and kysely's migration bookkeeping), and none of ours holds a row. */
async function assertEmpty(db: Kysely<Database>, ours: string[]): Promise<void> {
  const { rows } = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`.execute(db);
  const foreign = rows.map((r) => r.name).filter((n) => !ours.includes(n) && !n.startsWith('kysely_'));
  const filled: { name: string; count: number }[] = [];
  for (const name of rows.map((r) => r.name).filter((n) => ours.includes(n))) {
    const count = (await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(name)}`.execute(db)).rows[0]?.n ?? 0;
    if (count > 0) filled.push({ name, count });
  }
  // Someone else's tables first, then ours by size: the first few named say what this database is.
  const found = [
    ...foreign.map((n) => `table ${n}`),
    ...filled.sort((a, b) => b.count - a.count).map((t) => `${t.name}: ${t.count} row${t.count === 1 ? '' : 's'}`),
  ];
  if (found.length) {
    const shown = found.length > 6 ? `${found.slice(0, 6).join(', ')} and ${found.length - 6} more` : found.join(', ');
    throw conflict(`The target database is not empty (${shown}): db copy fills only an empty database, and nothing was written.`, 'create an empty database (createdb NAME) and copy into that');
  }
}

async function copyTable(sqlite: SQLite.Database, db: Kysely<Database>, table: SourceTable, onProgress?: (p: CopyProgress) => void): Promise<TableCopy> {
  const columns = table.columns.map(quote).join(', ');
  const insert = (json: string) =>
    sql`INSERT INTO ${sql.table(table.name)} (${sql.raw(columns)}) SELECT ${sql.raw(columns)} FROM json_populate_recordset(NULL::${sql.table(table.name)}, ${json}::json)`.execute(db);
  let batch: Record<string, unknown>[] = [];
  let bytes = 0;
  let done = 0;
  const flush = async () => {
    if (!batch.length) return;
    try {
      await insert(JSON.stringify(batch));
    } catch (error) {
      throw copyError(error, table.name, batch);
    }
    done += batch.length;
    onProgress?.({ table: table.name, done, total: table.rows });
    batch = [];
    bytes = 0;
  };
  onProgress?.({ table: table.name, done: 0, total: table.rows });
  for (const row of sqlite.prepare(`SELECT ${columns} FROM ${quote(table.name)} ORDER BY _rowid_`).iterate() as Iterable<Record<string, unknown>>) {
    batch.push(row);
    for (const value of Object.values(row)) bytes += typeof value === 'string' ? value.length : 8;
    if (batch.length >= batchRows || bytes >= batchBytes) await flush();
  }
  await flush();
  const count = (await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table.name)}`.execute(db)).rows[0]?.n;
  if (count !== table.rows) throw new BotctlError('runtime_failure', `copying ${table.name}: ${table.rows} rows read from SQLite, but PostgreSQL holds ${count}; nothing was written`);
  if (table.nextId === undefined) return { table: table.name, rows: done };
  // The sequence hands out what SQLite would have next: ids are never reused, even those of deleted rows.
  await sql`SELECT setval(pg_get_serial_sequence(${quote(table.name)}, 'id'), ${table.nextId}, false)`.execute(db);
  return { table: table.name, rows: done, next_id: table.nextId };
}

// PostgreSQL's text cannot hold U+0000, which SQLite stores (a bot may print one): name the row and column.
function copyError(error: unknown, table: string, batch: Record<string, unknown>[]): BotctlError {
  for (const row of batch) {
    const column = Object.keys(row).find((c) => typeof row[c] === 'string' && (row[c] as string).includes('\u0000'));
    if (column) {
      const which = row.id !== undefined ? `id ${String(row.id)}` : JSON.stringify(Object.fromEntries(Object.entries(row).filter(([, v]) => typeof v === 'number')));
      return new BotctlError('runtime_failure', `copying ${table}: row ${which} has a NUL character (U+0000) in ${column}, which PostgreSQL text cannot hold; nothing was written`, {
        cause: error,
        // SQLite's own text functions (replace, instr, like) stop at a NUL, so no one-line UPDATE strips it.
        hint: `rewrite that value without the NUL in the SQLite database (or set it to NULL where the column allows), then run db copy again`,
      });
    }
  }
  return new BotctlError('runtime_failure', `copying ${table}: ${errorText(error)}; nothing was written (the copy is one transaction)`, { cause: error });
}
