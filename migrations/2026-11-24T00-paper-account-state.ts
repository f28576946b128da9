import type { Kysely } from 'kysely';

// A paper account also has resting orders, per-symbol leverage and the time up to which its orders were
// checked against prices: one JSON column beside balances and positions.
// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('paper_accounts').addColumn('state', 'text', (c) => c.notNull().defaultTo('{}')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('paper_accounts').dropColumn('state').execute();
}
