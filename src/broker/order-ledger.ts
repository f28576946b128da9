// Orders go into the ledger as they happen, each write in its own transaction, not with the run's outcome: what
// the bot does after an order (garbage on its channel, a crash, a timeout, an unwritable state) can no longer
// erase it. One row per client order id: an exchange order is written `unknown` before it is sent (if botd dies
// while the request is out, the next run asks the exchange, see reconcile-orders.ts) and again with the answer.
// A paper fill is written together with the paper account it changed, so the two never disagree.
//
// All of the `orders` table's SQL is here, typed by the schema, and the same on SQLite and PostgreSQL (INSERT … ON
// CONFLICT … excluded, COALESCE). It is the broker's, not the daemon's ledger: the broker writes each order as it
// happens and sits below the daemon, which cannot be imported from here. A session's writes are queued and go out
// one after another, in the order the session made them: each write's values are taken when it is queued, so a
// later change to the order (its answer) or the account can never reach the database ahead of an earlier one.
import type { Kysely, Updateable } from 'kysely';
import type { Database, Order, OrdersTable } from '../db/schema.js';
import type { OrderRecord } from './session.js';

/** Writes that go into the same transaction as an order: a paper account, resting orders it settled. */
export type LedgerWrite = (trx: Kysely<Database>) => Promise<void>;

/**
 * Runs writes in one transaction (db/write-transaction.ts, handed in by broker.ts): this file imports nothing of
 * the database's but types, so the paper venue that uses it can serve a backtest child, which has no database.
 */
export type Transact = (work: LedgerWrite) => Promise<void>;

/** An order recorded `unknown`, as the reconcile needs it to ask the exchange. */
export type UnknownOrder = Pick<Order, 'id' | 'client_order_id' | 'symbol' | 'type' | 'amount' | 'price'>;

/** What the exchange answered about an `unknown` order. */
export type OrderAnswer = Required<Pick<Updateable<OrdersTable>, 'exchange_order_id' | 'status' | 'amount' | 'price'>>;

/** The subscription's orders still `unknown`, oldest first. */
export function unknownOrders(db: Kysely<Database>, subscriptionId: number, limit: number): Promise<UnknownOrder[]> {
  return db
    .selectFrom('orders')
    .select(['id', 'client_order_id', 'symbol', 'type', 'amount', 'price'])
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'unknown')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Records what the exchange said about an `unknown` order: its answer, or `rejected` when it never received it. */
export async function settleUnknownOrder(db: Kysely<Database>, id: number, answer: OrderAnswer | 'rejected'): Promise<void> {
  await db
    .updateTable('orders')
    .set(answer === 'rejected' ? { status: 'rejected' } : answer)
    .where('id', '=', id)
    .execute();
}

export class OrderLedger {
  #tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly transact: Transact,
    private readonly runId: number,
    private readonly subscriptionId: number,
  ) {}

  /** Inserts or updates the order's row, and runs `also` (a paper account write) in the same transaction. */
  write(order: OrderRecord, also?: LedgerWrite): Promise<void> {
    const row = {
      run_id: this.runId, subscription_id: this.subscriptionId, exchange_order_id: order.exchange_order_id, client_order_id: order.client_order_id,
      symbol: order.symbol, side: order.side, type: order.type, amount: order.amount, price: order.price, status: order.status, mode: order.mode,
      created_at: new Date().toISOString(),
    };
    return this.#queue(async (trx) => {
      await trx
        .insertInto('orders')
        .values(row)
        .onConflict((c) =>
          c.column('client_order_id').doUpdateSet((eb) => ({
            exchange_order_id: eb.ref('excluded.exchange_order_id'),
            amount: eb.ref('excluded.amount'),
            price: eb.ref('excluded.price'),
            status: eb.ref('excluded.status'),
          })),
        )
        .execute();
      await also?.(trx);
    });
  }

  /**
   * What became of an order placed earlier (cancelled, or a resting paper order filled): its row's status, and the
   * fill price when there is one. Inside `commit` when it goes with a paper account write.
   */
  static async settle(trx: Kysely<Database>, subscriptionId: number, by: { exchangeOrderId?: string; clientOrderId?: string }, status: string, price?: number): Promise<void> {
    const column = by.exchangeOrderId !== undefined ? 'exchange_order_id' : 'client_order_id';
    await trx
      .updateTable('orders')
      .set((eb) => ({ status, price: eb.fn.coalesce(eb.val(price ?? null), eb.ref('price')) }))
      .where('subscription_id', '=', subscriptionId)
      .where(column, '=', by.exchangeOrderId ?? by.clientOrderId ?? null)
      .execute();
  }

  /** A write on its own: the paper account after a cancel, a leverage change or resting orders filled. */
  commit(work: LedgerWrite): Promise<void> {
    return this.#queue(work);
  }

  #queue(work: LedgerWrite): Promise<void> {
    const written = this.#tail.then(() => this.transact(work));
    this.#tail = written.catch(() => undefined);
    return written;
  }
}
