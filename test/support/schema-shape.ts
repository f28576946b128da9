// The shape of the app's schema, read from each engine's own catalogue and put in one engine-neutral form,
// so a test can say "PostgreSQL has what SQLite has" with one toEqual. Types are compared by family
// (SQLite integer = PostgreSQL bigint, real = double precision), defaults by meaning (the time default is `now`).
import type SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';

export interface TableShape {
  columns: { name: string; type: string; notNull: boolean; default: string | null; identity: boolean }[];
  primaryKey: string[];
  /** Unique constraints and unique indexes other than the primary key: "a,b", "+ partial" when it has a WHERE. */
  unique: string[];
  /** Plain indexes: "name(a,b)". */
  indexes: string[];
  /** "column -> table.column ON DELETE action". */
  foreignKeys: string[];
  checks: number;
}

export type SchemaShape = Record<string, TableShape>;

const appTable = (name: string) => !name.startsWith('sqlite_') && !name.startsWith('kysely_');

function sqliteDefault(value: string | null): string | null {
  if (value === null) return null;
  return value.includes('strftime(') ? 'now' : value;
}

export function describeSqliteSchema(sqlite: SQLite.Database): SchemaShape {
  const tables = sqlite.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string; sql: string }[];
  const shape: SchemaShape = {};
  for (const { name, sql: text } of tables.filter((t) => appTable(t.name))) {
    const info = sqlite.pragma(`table_info("${name}")`) as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[];
    const indexList = sqlite.pragma(`index_list("${name}")`) as { name: string; unique: number; origin: string; partial: number }[];
    const columnsOf = (index: string) => (sqlite.pragma(`index_info("${index}")`) as { seqno: number; name: string }[]).sort((a, b) => a.seqno - b.seqno).map((c) => c.name);
    const keys = sqlite.pragma(`foreign_key_list("${name}")`) as { table: string; from: string; to: string; on_delete: string }[];
    shape[name] = {
      columns: info.map((c) => ({
        name: c.name,
        type: c.type.toLowerCase(),
        // SQLite lets a non-integer primary key hold NULL (a documented quirk); PostgreSQL never does.
        notNull: c.notnull === 1 || c.pk > 0,
        default: sqliteDefault(c.dflt_value),
        identity: new RegExp(`"${c.name}" integer primary key autoincrement`).test(text),
      })),
      primaryKey: info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      unique: indexList.filter((i) => i.unique === 1 && i.origin !== 'pk').map((i) => `${columnsOf(i.name).join(',')}${i.partial ? ' + partial' : ''}`).sort(),
      indexes: indexList.filter((i) => i.unique === 0).map((i) => `${i.name}(${columnsOf(i.name).join(',')})`).sort(),
      foreignKeys: keys.map((k) => `${k.from} -> ${k.table}.${k.to} ON DELETE ${k.on_delete}`).sort(),
      checks: (text.match(/\bcheck \(/gi) ?? []).length,
    };
  }
  return shape;
}

const postgresTypes: Record<string, string> = { bigint: 'integer', 'double precision': 'real', text: 'text' };
const deleteActions: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

function postgresDefault(value: string | null): string | null {
  if (value === null) return null;
  return value.includes('to_char(') ? 'now' : value.replace(/::text$/, '');
}

export async function describeSchema(db: Kysely<any>): Promise<SchemaShape> {
  const columns = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null; is_identity: string }>`
    SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
    FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`.execute(db);
  const indexes = await sql<{ name: string; table: string; unique: boolean; primary: boolean; partial: boolean; cols: string[] }>`
    SELECT ic.relname AS name, c.relname AS table, i.indisunique AS unique, i.indisprimary AS primary,
           i.indpred IS NOT NULL AS partial,
           array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS cols
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = 'public'`.execute(db);
  const constraints = await sql<{ table: string; type: string; col: string | null; ref: string | null; refcol: string | null; ondelete: string }>`
    SELECT c.conrelid::regclass::text AS table, c.contype AS type, a.attname AS col, c.confrelid::regclass::text AS ref,
           af.attname AS refcol, c.confdeltype AS ondelete
    FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace
    LEFT JOIN pg_attribute a ON c.contype = 'f' AND a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    LEFT JOIN pg_attribute af ON c.contype = 'f' AND af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
    WHERE ns.nspname = 'public' AND c.contype IN ('f', 'c')`.execute(db);
  const shape: SchemaShape = {};
  for (const c of columns.rows.filter((r) => appTable(r.table_name))) {
    const table = (shape[c.table_name] ??= { columns: [], primaryKey: [], unique: [], indexes: [], foreignKeys: [], checks: 0 });
    table.columns.push({
      name: c.column_name,
      type: postgresTypes[c.data_type] ?? c.data_type,
      notNull: c.is_nullable === 'NO',
      default: postgresDefault(c.column_default),
      identity: c.is_identity === 'YES',
    });
  }
  for (const i of indexes.rows) {
    const table = shape[i.table];
    if (!table) continue;
    if (i.primary) table.primaryKey = i.cols;
    else if (i.unique) table.unique.push(`${i.cols.join(',')}${i.partial ? ' + partial' : ''}`);
    else table.indexes.push(`${i.name}(${i.cols.join(',')})`);
  }
  for (const k of constraints.rows) {
    const table = shape[k.table];
    if (!table) continue;
    if (k.type === 'c') table.checks++;
    else table.foreignKeys.push(`${k.col} -> ${k.ref}.${k.refcol} ON DELETE ${deleteActions[k.ondelete] ?? k.ondelete}`);
  }
  for (const table of Object.values(shape)) {
    table.unique.sort();
    table.indexes.sort();
    table.foreignKeys.sort();
  }
  return shape;
}
