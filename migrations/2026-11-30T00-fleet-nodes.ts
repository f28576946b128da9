import { sql, type Kysely } from 'kysely';
import { dialectSql } from '../src/db/dialect-sql.js';

// A fleet: botd processes ("nodes") sharing one database (issue 12). Each holds a lease in `nodes`, renewed by
// its heartbeat and judged by the database's clock (lease_until), so no two hosts' clocks need agree. A run row
// names the node that claimed it, so a surviving node can tell whose `running` rows a lost node left behind.
// `code_digest` is the node's digest of bot_files/, so that a node whose templates differ can say so.
// On PostgreSQL, a change botctl makes to what botd schedules or sends is announced on channel `botctl_changes`
// (LISTEN/NOTIFY): nodes reload at once instead of polling. Only the columns that matter fire it, so botd's own
// bookkeeping (consecutive_failures after every run) does not make every node reload after every run.
// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  const t = dialectSql(db);
  await db.schema
    .createTable('nodes')
    .addColumn('id', t.integer, t.id)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', t.integer, (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull().defaultTo(t.now))
    .addColumn('heartbeat_at', 'text', (c) => c.notNull().defaultTo(t.now))
    .addColumn('lease_until', 'text', (c) => c.notNull())
    .addColumn('stopped_at', 'text')
    .addColumn('stop_reason', 'text')
    .addColumn('code_digest', 'text')
    .execute();
  await db.schema.alterTable('runs').addColumn('node_id', t.integer).execute();
  if (t.engine !== 'postgres') return;
  await sql`CREATE FUNCTION botctl_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('botctl_changes', TG_TABLE_NAME); RETURN NULL; END $$`.execute(db);
  const watched: [string, string][] = [
    ['subscriptions', 'INSERT OR DELETE OR UPDATE OF enabled, schedule, timezone, name, bot_id'],
    ['bots', 'INSERT OR DELETE OR UPDATE OF name'],
    ['notify_channels', 'INSERT OR DELETE OR UPDATE'],
    ['notify_mutes', 'INSERT OR DELETE OR UPDATE'],
    ['nodes', 'INSERT OR DELETE OR UPDATE OF stopped_at'],
  ];
  for (const [table, events] of watched) {
    await sql
      .raw(`CREATE TRIGGER ${table}_changed AFTER ${events} ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION botctl_notify_change()`)
      .execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectSql(db).engine === 'postgres') {
    for (const table of ['subscriptions', 'bots', 'notify_channels', 'notify_mutes']) await sql.raw(`DROP TRIGGER ${table}_changed ON ${table}`).execute(db);
    await sql`DROP FUNCTION botctl_notify_change()`.execute(db);
  }
  await db.schema.alterTable('runs').dropColumn('node_id').execute();
  await db.schema.dropTable('nodes').execute();
}
