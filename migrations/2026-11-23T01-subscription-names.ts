import { sql, type Kysely } from 'kysely';

// Subscriptions get an optional operator-facing name, so `pause`, `resume` and `unsubscribe` accept a
// name as well as an id. Unique across the installation where set (a partial index: NULLs never clash).
// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('subscriptions').addColumn('name', 'text').execute();
  await sql`CREATE UNIQUE INDEX subscriptions_name ON subscriptions (name) WHERE name IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX subscriptions_name`.execute(db);
  await db.schema.alterTable('subscriptions').dropColumn('name').execute();
}
