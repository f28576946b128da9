// The paper_accounts table: one simulated account per paper subscription (balances, positions, resting orders,
// leverage), read when a paper session opens and written in the same transaction as the order whose fill changed
// it, so the two land together or not at all. All of its SQL is here; the row type is the schema's.
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
 * A write of the account as it is now: taken at once (JSON), so that it goes to the database in the transaction of
 * the order whose fill changed it, even if later fills change the account before the write's turn comes.
 * INSERT … ON CONFLICT DO UPDATE with `excluded` is SQLite's and PostgreSQL's alike.
 */
export function paperAccountWrite(subscriptionId: number, account: PaperAccount): (trx: Kysely<Database>) => Promise<void> {
  const { balances, positions, ...rest } = account;
  const row = {
    subscription_id: subscriptionId, balances: JSON.stringify(balances), positions: JSON.stringify(positions), state: JSON.stringify(rest), updated_at: new Date().toISOString(),
  };
  return async (trx) => {
    await trx
      .insertInto('paper_accounts')
      .values(row)
      .onConflict((c) =>
        c.column('subscription_id').doUpdateSet((eb) => ({
          balances: eb.ref('excluded.balances'),
          positions: eb.ref('excluded.positions'),
          state: eb.ref('excluded.state'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  };
}
