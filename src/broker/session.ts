// The broker's interface, as the runner sees it. For every `exchange-call` message from a child the runner
// awaits `session.call(method, args)` and replies with an ExchangeReply: the value, or the error's name and
// message, which the child re-throws inside the bot. The broker (ccxt clients, risk guard, paper trading:
// broker.ts, broker-session.ts, paper-session.ts) implements ExchangeSessionFactory; the daemon only knows this
// interface and openBroker().
import type { Kysely } from 'kysely';
import type { Bot, Database, Order, Subscription } from '../db/schema.js';

/** One order placed (or refused) during a run, as the broker writes it to the `orders` table when it happens. */
export type OrderRecord = Omit<Order, 'id' | 'run_id' | 'subscription_id' | 'created_at'>;

export interface ExchangeSession {
  /** Serves one ctx.exchange call. Rejections carry `name` (ccxt's class, or e.g. 'RiskRejected') and `message`. */
  call(method: string, args: unknown[]): Promise<unknown>;
  /**
   * Orders this session placed or refused. The session has written each to the `orders` table as it happened
   * (its own transaction), so nothing the bot does afterwards can erase it; the run's finish does not write them.
   */
  orders(): OrderRecord[];
  /** Anything the session still owes the database, as of now: written inside the run's finish transaction. */
  commit?(): ((trx: Kysely<Database>) => Promise<void>) | undefined;
  /** Called once after the run's outcome is written, whatever it was. */
  close?(): Promise<void>;
}

export interface ExchangeRun {
  runId: number;
  subscription: Subscription;
  bot: Bot;
  /** The run's simulated time (Execution.clock): a paper venue prices at it instead of the machine's clock. */
  clock?: number;
}

export type ExchangeSessionFactory = (run: ExchangeRun) => Promise<ExchangeSession>;

export class ExchangeNotAvailable extends Error {
  constructor(method: string) {
    super(`ctx.exchange.${method}() failed: no exchange broker configured in this botd`);
    this.name = 'ExchangeNotAvailable';
  }
}

/** Until a broker is plugged in: every call is refused with a clear error that surfaces in the bot. */
export const noExchange: ExchangeSessionFactory = async () => ({
  call: async (method) => {
    throw new ExchangeNotAvailable(method);
  },
  orders: () => [],
});

/** A long-lived broker: one per botd (or per `botctl run`), closed when the process stops. */
export interface ExchangeBroker {
  sessions: ExchangeSessionFactory;
  close(): Promise<void>;
}
