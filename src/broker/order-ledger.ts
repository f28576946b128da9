// Orders go into the ledger as they happen, each write in its own transaction, not with the run's outcome: what
// the bot does after an order (garbage on its channel, a crash, a timeout, an unwritable state) can no longer
// erase it. One row per client order id: an exchange order is written `unknown` before it is sent (if botd dies
// while the request is out, the next run asks the exchange, see reconcile-orders.ts) and again with the answer.
// A paper fill is written together with the paper account it changed, so the two never disagree.
//
// All of the `orders` table's SQL is here, typed by the schema, in SQL that SQLite and PostgreSQL read alike
// (INSERT … ON CONFLICT … excluded, COALESCE). It is the broker's, not the daemon's ledger: the broker writes each
// order as it happens and sits below the daemon, which cannot be imported from here. The writes that share a
// transaction with a paper account are synchronous (better-sqlite3); the reconcile before a run is not.
import type SQLite from 'better-sqlite3';
import type { Kysely, Updateable } from 'kysely';
import type { Database, Order, OrdersTable } from '../db/schema.js';
import type { OrderRecord } from './session.js';

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
  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly runId: number,
    private readonly subscriptionId: number,
  ) {}

  /** Inserts or updates the order's row, and runs `also` (a paper account write) in the same transaction. */
  write(order: OrderRecord, also?: (sqlite: SQLite.Database) => void): void {
    this.sqlite
      .transaction(() => {
        this.sqlite
          .prepare(
            `INSERT INTO orders (run_id, subscription_id, exchange_order_id, client_order_id, symbol, side, type, amount, price, status, mode, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (client_order_id) DO UPDATE SET exchange_order_id = excluded.exchange_order_id, amount = excluded.amount,
               price = excluded.price, status = excluded.status`,
          )
          .run(
            this.runId, this.subscriptionId, order.exchange_order_id, order.client_order_id, order.symbol, order.side, order.type,
            order.amount, order.price, order.status, order.mode, new Date().toISOString(),
          );
        also?.(this.sqlite);
      })
      .immediate();
  }

  /**
   * What became of an order placed earlier (cancelled, or a resting paper order filled): its row's status, and the
   * fill price when there is one. Inside `commit` when it goes with a paper account write.
   */
  static settle(sqlite: SQLite.Database, subscriptionId: number, by: { exchangeOrderId?: string; clientOrderId?: string }, status: string, price?: number): void {
    const column = by.exchangeOrderId !== undefined ? 'exchange_order_id' : 'client_order_id';
    sqlite
      .prepare(`UPDATE orders SET status = ?, price = COALESCE(?, price) WHERE subscription_id = ? AND ${column} = ?`)
      .run(status, price ?? null, subscriptionId, by.exchangeOrderId ?? by.clientOrderId ?? null);
  }

  /** A write on its own: the paper account after a cancel, a leverage change or resting orders filled. */
  commit(work: (sqlite: SQLite.Database) => void): void {
    this.sqlite.transaction(() => work(this.sqlite)).immediate();
  }
}
