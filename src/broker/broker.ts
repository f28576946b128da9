// The daemon's exchange broker: opens the session (broker-session.ts) that serves a child's ctx.exchange calls
// for one run, over the venue its mode calls for: the paper simulator (paper-session.ts) on the market data
// configured, or a ccxt client for testnet and live. API keys are decrypted here, in the daemon, only when a client
// is created; they never reach a child.
import { createHash } from 'node:crypto';
import type { Exchange, MarketInterface } from 'ccxt';
import type { Kysely } from 'kysely';
import type { Bot, Database, Subscription } from '../db/schema.js';
import type { ExchangeSessionFactory } from './session.js';
import { decryptKey } from '../secrets/keys.js';
import { AuthenticationError, NotSupported } from '../sdk/errors.js';
import { riskConfigSchema } from '../subscriptions/risk-config.js';
import { BrokerSession, type Venue } from './broker-session.js';
import { ExchangeClients, clientOptionsFromEnv, type ClientSpec } from './exchange-clients.js';
import { exchangeMarketData, recordedMarketData, type MarketData } from './market-data.js';
import { loadPaperAccount } from './paper-accounts.js';
import { PaperExchange, newPaperAccount } from './paper-exchange.js';
import { paperVenue } from './paper-session.js';
import { reconcileUnknownOrders } from './reconcile-orders.js';
import { OrderLedger } from './order-ledger.js';
import { writeTransaction } from '../db/write-transaction.js';
import { riskLimits } from './risk-guard.js';
import { hintedMarketData, withOfflineHint } from './offline-hint.js';
import { marketDataSource, recordedDataDir, type MarketDataSource } from './settings.js';
import { seriesMarketData } from './series-market-data.js';
import { storeCovers, storeLookup } from './store-market-data.js';

export interface BrokerOptions {
  db: Kysely<Database>;
  home: string;
  /** Shared by every session of this daemon: one ccxt client per (exchange, key, mode). */
  clients?: ExchangeClients;
  /** Paper mode's prices; default from BOTCTL_MARKET_DATA or the home's config.json (see settings.ts). */
  marketData?: MarketDataSource;
  recordedDir?: string;
  now?: () => number;
}

export interface Broker {
  factory: ExchangeSessionFactory;
  clients: ExchangeClients;
}

export function createBroker(options: BrokerOptions): Broker {
  const clients = options.clients ?? new ExchangeClients(clientOptionsFromEnv());
  const source = options.marketData ?? marketDataSource(options.home);
  const clockNow = options.now ?? Date.now;
  const factory: ExchangeSessionFactory = async (run) => {
    const { subscription, bot } = run;
    // A run with a simulated time (parity tests) is priced at it; its mode is paper (runner.ts).
    const now = run.clock === undefined ? clockNow : () => run.clock!;
    const limits = riskLimits(subscription.trading_pair, subscription.risk_config, subscription.execution_config);
    const ledger = new OrderLedger((work) => writeTransaction(options.db, work), run.runId, subscription.id);
    if (subscription.mode === 'paper') {
      const data = source === 'recorded'
        ? offlineMarketData(options, bot.exchange_type, subscription.trading_pair, now)
        : hintedMarketData(exchangeMarketData(await withOfflineHint(clients.get({ exchange: bot.exchange_type, endpoints: 'live', keyName: null }))));
      const paperConfig = riskConfigSchema.parse(JSON.parse(subscription.risk_config || '{}')).paper;
      const account = (await loadPaperAccount(options.db, subscription.id)) ??
        newPaperAccount(paperConfig?.starting_balance ?? { [settlementCurrency(subscription.trading_pair)]: 10_000 }, now());
      const paper = new PaperExchange(account, data, { feeRate: paperConfig?.fee_rate, slippageBps: paperConfig?.slippage_bps ?? 5 }, now);
      return new BrokerSession(run, limits, paperVenue(paper, data, subscription.id), ledger);
    }
    const client = await clients.get(await keyedSpec(options, bot, subscription));
    return new BrokerSession(run, limits, exchangeVenue(client, options.db, subscription), ledger);
  };
  return { factory, clients };
}

// Offline, a pair whose candles in the store reach the present is priced from them (botctl data fetch); any other
// from the recorded demo files, replayed onto the clock.
function offlineMarketData(options: BrokerOptions, exchange: string, pair: string, now: () => number): MarketData {
  if (storeCovers(options.home, exchange, pair, now())) {
    const { lookup, known } = storeLookup(options.home, exchange);
    return seriesMarketData(lookup, now, known);
  }
  return recordedMarketData({ dir: options.recordedDir ?? recordedDataDir(), exchange, now });
}

async function keyedSpec(options: BrokerOptions, bot: Bot, subscription: Subscription): Promise<ClientSpec> {
  const keyName = subscription.key_name;
  if (keyName === null) {
    throw new AuthenticationError(`Subscription ${subscription.id} trades in ${subscription.mode} mode but has no API key (botctl subscribe … --key NAME).`);
  }
  const row = await options.db.selectFrom('api_keys').select(['exchange', 'encrypted_payload']).where('name', '=', keyName).executeTakeFirst();
  if (!row) throw new AuthenticationError(`API key ${JSON.stringify(keyName)} of subscription ${subscription.id} no longer exists (botctl keys).`);
  if (row.exchange !== bot.exchange_type) {
    throw new AuthenticationError(`API key ${JSON.stringify(keyName)} is for ${row.exchange}, but bot ${bot.name} trades on ${bot.exchange_type}.`);
  }
  return {
    exchange: bot.exchange_type,
    endpoints: subscription.mode === 'live' ? 'live' : 'testnet',
    keyName,
    // The ciphertext changes whenever the key is replaced, so a replaced key gets a fresh client.
    fingerprint: createHash('sha256').update(row.encrypted_payload).digest('hex'),
    credentials: async () => {
      const { apiKey, secret, password } = await decryptKey(options.db, options.home, keyName);
      return password === undefined ? { apiKey, secret } : { apiKey, secret, password };
    },
  };
}

/** 'BTC/USDT:USDT' → USDT (settle), 'ETH/BTC' → BTC (quote). */
export function settlementCurrency(pair: string): string {
  const [symbol = '', settle] = pair.split(':');
  return settle?.split('-')[0] || symbol.split('/')[1] || 'USDT';
}

const DECIMAL_PLACES = 2;

function exchangeVenue(client: Exchange, db: Kysely<Database>, subscription: Subscription): Venue {
  // Bots always see tick sizes (0.001), whatever the exchange's precision mode.
  const normalize = (m: MarketInterface): MarketInterface => {
    if (client.precisionMode !== DECIMAL_PLACES) return m;
    const tick = (digits: number | undefined) => (digits === undefined ? undefined : Number((10 ** -digits).toFixed(digits)));
    return { ...m, precision: { ...m.precision, amount: tick(m.precision.amount), price: tick(m.precision.price) } };
  };
  return {
    markets: async () => Object.fromEntries(Object.entries(client.markets ?? {}).map(([symbol, m]) => [symbol, normalize(m as MarketInterface)])),
    market: async (symbol) => normalize(client.market(symbol) as MarketInterface),
    async call(method, args) {
      const fn = (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
      if (typeof fn !== 'function') throw new NotSupported(`${client.id} has no ${method}()`);
      return fn.apply(client, args);
    },
    async owns(orderId, placedThisRun) {
      if (placedThisRun) return true;
      const row = await db.selectFrom('orders').select('id').where('subscription_id', '=', subscription.id).where('exchange_order_id', '=', orderId).executeTakeFirst();
      return row !== undefined;
    },
    prepare: () => reconcileUnknownOrders(client, db, subscription.id),
    writeAhead: true,
    describeError(error) {
      if (error instanceof Error && error.name === 'AuthenticationError') {
        error.message = `${client.id} (${subscription.mode}) refused API key ${JSON.stringify(subscription.key_name)}: ${error.message}`;
      }
      return error;
    },
  };
}
