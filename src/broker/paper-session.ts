// Paper mode's venue: the broker session's calls served by the paper fill engine (paper-exchange.ts) over market
// data, and its account written with the ledger's transaction. Also a session over an account the caller keeps,
// written nowhere (a backtest's, across its slots). Like the session, it imports no database driver, ccxt code or
// secrets.
import type { ExchangeRun } from './session.js';
import { NotSupported } from '../sdk/errors.js';
import { isExchangeMethod, type ExchangeMethod } from '../sdk/exchange-methods.js';
import { BrokerSession, type Venue } from './broker-session.js';
import type { MarketData } from './market-data.js';
import { OrderLedger } from './order-ledger.js';
import { paperAccountWrite } from './paper-accounts.js';
import type { PaperExchange, PaperOrder } from './paper-exchange.js';
import type { RiskLimits } from './risk-guard.js';

/** A paper session over an account the caller keeps (a backtest's, across its slots): the same guard and venue, and
 * nothing written anywhere: its orders stay in the session (orders()), the account with the caller. */
export function paperSession(run: ExchangeRun, limits: RiskLimits, paper: PaperExchange, data: MarketData): BrokerSession {
  // No account write to take either: the account stays with the caller (and a backtest would pay for each one).
  return new BrokerSession(run, limits, { ...paperVenue(paper, data, run.subscription.id), commit: undefined }, new UnwrittenLedger());
}

class UnwrittenLedger extends OrderLedger {
  constructor() {
    super(async () => undefined, 0, 0);
  }

  override write(): Promise<void> {
    return Promise.resolve();
  }

  override commit(): Promise<void> {
    return Promise.resolve();
  }
}

/** What the paper venue answers itself; loadMarkets and market come from the market data (Venue.markets). */
type PaperMethod = Exclude<ExchangeMethod, 'loadMarkets' | 'market'>;

export function paperVenue(paper: PaperExchange, data: MarketData, subscriptionId: number): Venue {
  // Resting orders that settle() filled or expired: their rows change with the account that records the fills.
  let settled: PaperOrder[] = [];
  // Typed against the table: a new exchange method fails to compile here until paper mode implements it.
  const paperMethods: Record<PaperMethod, (args: unknown[]) => Promise<unknown>> = {
    fetchOHLCV: (args) => data.fetchOHLCV(args[0] as string, args[1] as string | undefined, args[2] as number | undefined, args[3] as number | undefined),
    fetchTicker: (args) => data.fetchTicker(args[0] as string),
    fetchBalance: () => paper.fetchBalance(),
    fetchPositions: (args) => paper.fetchPositions(args[0] as string[] | undefined),
    fetchOpenOrders: (args) => paper.fetchOpenOrders(args[0] as string | undefined, undefined, undefined, (args[3] ?? {}) as Record<string, unknown>),
    createOrder: (args) => paper.createOrder(args[0], args[1], args[2], args[3], args[4], (args[5] ?? {}) as Record<string, unknown>),
    cancelOrder: (args) => paper.cancelOrder(args[0], args[1]),
    setLeverage: (args) => paper.setLeverage(args[0], args[1]),
  };
  return {
    markets: () => data.markets(),
    market: (symbol) => data.market(symbol),
    call: async (method, args) => {
      if (!isExchangeMethod(method) || method === 'loadMarkets' || method === 'market') throw new NotSupported(`ctx.exchange.${method}() is not available`);
      return paperMethods[method](args);
    },
    owns: async () => true, // a paper account belongs to one subscription
    async prepare() {
      settled = await paper.settle();
    },
    commit() {
      const account = paperAccountWrite(subscriptionId, paper.account);
      const orders = settled.splice(0);
      return async (trx) => {
        await account(trx);
        for (const o of orders) await OrderLedger.settle(trx, subscriptionId, { exchangeOrderId: o.id }, o.status, o.average);
      };
    },
    // A paper fill happens in this process: it and its row are written together, or neither survives.
    writeAhead: false,
    describeError: (error) => error,
  };
}
