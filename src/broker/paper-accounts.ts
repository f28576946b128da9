// The paper_accounts table: one simulated account per paper subscription (balances, positions, resting orders,
// leverage), read when a paper session opens and written in the same transaction as the order whose fill changed
// it, so the two land together or not at all. All of its SQL is here; the row type is the schema's.
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database, PaperAccountRow } from '../db/schema.js';
import type { PaperAccount } from './paper-exchange.js';

export async function loadPaperAccount(db: Kysely<Database>, subscriptionId: number): Promise<PaperAccount | undefined> {
  const row: PaperAccountRow | undefined = await db.selectFrom('paper_accounts').selectAll().where('subscription_id', '=', subscriptionId).executeTakeFirst();
  if (!row) return undefined;
  const rest = JSON.parse(row.state || '{}') as Partial<PaperAccount>;
  return {
    balances: JSON.parse(row.balances) as PaperAccount['balances'],
    positions: JSON.parse(row.positions) as PaperAccount['positions'],
    leverage: rest.leverage ?? {},
    orders: rest.orders ?? [],
    nextOrderId: rest.nextOrderId ?? 1,
    checkedAt: rest.checkedAt ?? Date.parse(row.updated_at),
  };
}

/**
 * Writes a paper account; synchronous, so it shares a transaction with the order whose fill changed it.
 * INSERT … ON CONFLICT DO UPDATE with `excluded` is SQLite's and PostgreSQL's alike.
 */
export function savePaperAccount(sqlite: SQLite.Database, subscriptionId: number, account: PaperAccount): void {
  const { balances, positions, ...rest } = account;
  sqlite
    .prepare(
      `INSERT INTO paper_accounts (subscription_id, balances, positions, state, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (subscription_id) DO UPDATE SET balances = excluded.balances, positions = excluded.positions,
         state = excluded.state, updated_at = excluded.updated_at`,
    )
    .run(subscriptionId, JSON.stringify(balances), JSON.stringify(positions), JSON.stringify(rest), new Date().toISOString());
}
