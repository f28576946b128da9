// An order whose placement got no answer (the connection dropped, a timeout) is recorded `unknown`: it may or may
// not be on the exchange. Before the subscription's next run looks at its account, the broker asks the exchange
// for each such order by the client order id it was sent with, and records what it learns: the exchange's id,
// status, amount and price, or `rejected` when the exchange does not know it (Binance refuses a request older than
// its recvWindow, 5 s by default, so an order not found a run later was never placed). An order it cannot ask
// about now stays `unknown` until a later run can. Once its exchange id is recorded, a resting order is the
// subscription's own again: its bot may cancel it.
import type { Exchange, Order } from 'ccxt';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { settleUnknownOrder, unknownOrders } from './order-ledger.js';

/** At most this many lookups per run, oldest first: one run never spends its time on a backlog. */
const maxLookupsPerRun = 10;

export async function reconcileUnknownOrders(client: Exchange, db: Kysely<Database>, subscriptionId: number): Promise<void> {
  for (const row of await unknownOrders(db, subscriptionId, maxLookupsPerRun)) {
    let order: Order;
    try {
      // Futures stop and take-profit orders live apart on Binance (its algo orders): ccxt looks there for `trigger`.
      const trigger = row.symbol.includes(':') && /^(stop|take_profit)/.test(row.type);
      order = await client.fetchOrder(undefined as unknown as string, row.symbol, { origClientOrderId: row.client_order_id, ...(trigger ? { trigger: true } : {}) });
    } catch (error) {
      if (error instanceof Error && error.name === 'OrderNotFound') await settleUnknownOrder(db, row.id, 'rejected');
      // Anything else (the exchange unreachable again): it stays unknown, and a later run asks again.
      continue;
    }
    await settleUnknownOrder(db, row.id, {
      exchange_order_id: order.id === undefined ? null : String(order.id),
      status: order.status ?? 'open',
      amount: order.amount ?? row.amount,
      price: order.average ?? (order.price || undefined) ?? row.price,
    });
  }
}
