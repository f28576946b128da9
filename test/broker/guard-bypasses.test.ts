// Each risk-guard bypass a hostile bot tried (issue #9), run the same way against both venues: the paper
// exchange on recorded prices, and ccxt's real binanceusdm code against the fake Binance on loopback (testnet
// mode). The market is at 150000 everywhere; the bot's old candle says 75000. Every refused order must reach
// neither venue, and what the session did must be in the orders table.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from '../../src/broker/broker.js';
import { ExchangeClients } from '../../src/broker/exchange-clients.js';
import type { ExchangeSession } from '../../src/broker/session.js';
import type { Bot, Subscription } from '../../src/db/schema.js';
import { addsExposure, type ExposureMethod } from '../../src/broker/risk-guard.js';
import { RiskRejected } from '../../src/sdk/errors.js';
import { exchangeMethods, isExchangeMethod } from '../../src/sdk/exchange-methods.js';
import type { BotExchange } from '../../src/sdk/types.js';
import { rejection } from '../support/expect-error.js';
import { routeToFake, startFakeBinance, type FakeBinance } from '../support/fake-binance.js';
import { exchangeOf } from './exchange-of.js';
import { claim, finishSucceeded, openWorld, recordedDir, storeKey, subscribe, templateBot, type SubscriptionInput, type World } from './world.js';

const FUT = 'BTC/USDT:USDT';
const PRICE = 150_000;
const OLD = 75_000;
/** 100 USDT, both as one order's notional and as 1% of the 10000 starting equity. */
const tinyCap = { max_order_notional: 100, max_position_size_pct: 1 };
const minute = 60_000;

interface Venue {
  name: string;
  setUp(world: World, bot: Bot): Promise<Broker>;
  mode: 'paper' | 'testnet';
  /** A time whose candle closed at the old price. */
  oldSince: number;
  /** How many orders reached the venue's order book (paper: fills and resting orders of the account). */
  reached(session: ExchangeSession): number;
  tearDown(): Promise<void>;
}

let fake: FakeBinance | undefined;
const paper: Venue = {
  name: 'paper (recorded market data)',
  mode: 'paper',
  oldSince: 100_000 * minute, // row 0
  async setUp(world) {
    // Rows 0-4 at the old price, 5-9 at the market price; the clock is in row 7, so the ticker reads 150000
    // and a candle five minutes back 75000.
    const old: [number, number, number, number, number] = [OLD, OLD, OLD, OLD, 1];
    const now: [number, number, number, number, number] = [PRICE, PRICE, PRICE, PRICE, 1];
    const clock = 100_000 * minute + 7 * minute + 1_000;
    return createBroker({
      db: world.db, home: world.home, marketData: 'recorded', now: () => clock,
      recordedDir: recordedDir([old, old, old, old, old, now, now, now, now, now]),
    });
  },
  reached: (session) => session.orders().filter((o) => o.exchange_order_id !== null).length,
  tearDown: async () => {},
};
const testnet: Venue = {
  name: "testnet (ccxt's binanceusdm against the fake Binance)",
  mode: 'testnet',
  oldSince: Date.now() - 10 * minute, // the fake's candles all close at the old price
  async setUp(world) {
    const started = await startFakeBinance({
      apiKey: 'k', secret: 's',
      // Whatever the bot asks for, its candles close at the old price.
      klines: (_symbol, _interval, limit) => Array.from({ length: Math.min(limit, 5) }, (_, i) => [Date.now() - (10 - i) * minute, OLD, OLD, OLD, OLD, 1]),
    });
    fake = started;
    started.setPrice(FUT, PRICE);
    await storeKey(world, 'main', 'binanceusdm', 'k', 's');
    const clients = new ExchangeClients({ enableRateLimit: false, configureClient: (client) => routeToFake(client, started.url) });
    return createBroker({ db: world.db, home: world.home, clients });
  },
  reached: () => fake?.orders.length ?? 0,
  async tearDown() {
    await fake?.close();
    fake = undefined;
  },
};

describe.each([paper, testnet])('risk guard bypasses, $name', (venue) => {
  let world: World;
  let bot: Bot;
  let broker: Broker;

  beforeEach(async () => {
    world = await openWorld();
    bot = await templateBot(world.db, 'binance_futures_bot', 'binanceusdm');
    broker = await venue.setUp(world, bot);
  });

  afterEach(async () => {
    await venue.tearDown();
    await world.close();
  });

  async function open(risk: Record<string, unknown>): Promise<{ sub: Subscription; runId: number; session: ExchangeSession; exchange: BotExchange }> {
    const input: SubscriptionInput = venue.mode === 'paper' ? { pair: FUT, risk } : { pair: FUT, risk, mode: 'testnet', key: 'main' };
    const sub = await subscribe(world.db, bot, input);
    const runId = await claim(world.db, sub);
    const session = await broker.factory({ runId, subscription: sub, bot });
    return { sub, runId, session, exchange: exchangeOf(session) };
  }

  const stored = (sub: Subscription) =>
    world.db.selectFrom('orders').select(['side', 'type', 'amount', 'status', 'price']).where('subscription_id', '=', sub.id).orderBy('id').execute();

  async function refused(order: Promise<unknown>, message: string | RegExp): Promise<void> {
    const error = await rejection(order);
    expect(error, error.message).toBeInstanceOf(RiskRejected);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  }

  it("prices 'MARKET' with a bot-supplied price of 0.01 at the market: 60000 USDT is refused under a 100 USDT cap", async () => {
    const { sub, session, exchange } = await open(tinyCap);
    await refused(exchange.createOrder(FUT, 'MARKET', 'buy', 0.4, 0.01), 'order notional 60000.00 refused: risk_config.max_order_notional is 100.');
    await refused(exchange.createOrder(FUT, 'Market', 'BUY' as 'buy', 0.001, 0.01), 'order notional 150.00 refused: risk_config.max_order_notional is 100.');
    expect(venue.reached(session)).toBe(0);
    expect(await exchange.fetchPositions()).toEqual([]);
    // Written as they happened, normalised: no run finish needed.
    expect(await stored(sub)).toEqual([
      { side: 'buy', type: 'market', amount: 0.4, status: 'rejected', price: null },
      { side: 'buy', type: 'market', amount: 0.001, status: 'rejected', price: null },
    ]);
  });

  it('values a marketable limit at the worse of its limit and the market', async () => {
    const { session, exchange } = await open(tinyCap);
    // A short entry at a sell limit of 1 fills at the market: 0.001 × 150000.
    await refused(exchange.createOrder(FUT, 'limit', 'sell', 0.001, 1), 'order notional 150.00 refused: risk_config.max_order_notional is 100.');
    // A buy limit far above the market may fill anywhere up to it.
    await refused(exchange.createOrder(FUT, 'LIMIT', 'buy', 0.001, 1_000_000), 'order notional 1000.00 refused: risk_config.max_order_notional is 100.');
    expect(venue.reached(session)).toBe(0);
  });

  it('prices at the market now, not at the old candle the bot fetched', async () => {
    const { session, exchange } = await open(tinyCap);
    const candles = await exchange.fetchOHLCV(FUT, '1m', venue.oldSince, 1);
    expect(candles[0]?.[4]).toBe(OLD);
    // 0.001 × 75000 = 75 would fit; 0.001 × 150000 does not.
    await refused(exchange.createOrder(FUT, 'market', 'buy', 0.001), 'order notional 150.00 refused: risk_config.max_order_notional is 100.');
    expect(venue.reached(session)).toBe(0);
  });

  it('refuses reduceOnly and closePosition orders that reduce nothing, and turns a real closePosition into a reduce-only order of the position', async () => {
    const { sub, session, exchange } = await open({ max_orders_per_run: 10 });
    await refused(
      exchange.createOrder(FUT, 'market', 'sell', 1, undefined, { reduceOnly: true }),
      `reduce-only sell refused: there is no long ${FUT} position to reduce (position 0).`,
    );
    await refused(
      exchange.createOrder(FUT, 'stop_market', 'sell', undefined as unknown as number, undefined, { closePosition: true, stopPrice: 140_000 }),
      `closePosition sell refused: there is no ${FUT} position to close.`,
    );
    expect(venue.reached(session)).toBe(0);

    await exchange.createOrder(FUT, 'market', 'buy', 0.002, undefined, { intent: 'entry' });
    await refused(exchange.createOrder(FUT, 'market', 'buy', 0.002, undefined, { reduceOnly: true }), /^reduce-only buy refused: there is no short/);
    await refused(exchange.createOrder(FUT, 'market', 'sell', 0.003, undefined, { reduceOnly: true }), `reduce-only sell of 0.003 refused: the ${FUT} position is 0.002.`);
    const stop = await exchange.createOrder(FUT, 'market', 'sell', 5, undefined, { closePosition: true, stopLossPrice: 140_000, intent: 'stop' });
    expect(stop).toMatchObject({ amount: 0.002, reduceOnly: true });
    if (fake) expect(fake.orders.at(-1)).toMatchObject({ type: 'STOP_MARKET', quantity: 0.002, reduceOnly: true, closePosition: false });
    const rows = await stored(sub);
    expect(rows.map((o) => [o.side, o.type, o.amount, o.status])).toEqual([
      ['sell', 'market', 1, 'rejected'],
      ['sell', 'stop_market', 0, 'rejected'],
      ['buy', 'market', 0.002, 'closed'],
      ['buy', 'market', 0.002, 'rejected'],
      ['sell', 'market', 0.003, 'rejected'],
      ['sell', 'stop_market', 0.002, 'open'],
    ]);
  });

  it('counts every order against max_orders_per_run, closes included, and fired all at once too', async () => {
    const { session, exchange } = await open({ max_orders_per_run: 3 });
    await exchange.createOrder(FUT, 'market', 'buy', 0.002);
    await exchange.createOrder(FUT, 'market', 'sell', 0.001, undefined, { reduceOnly: true });
    await exchange.createOrder(FUT, 'market', 'sell', undefined as unknown as number, undefined, { closePosition: true, stopLossPrice: 140_000 });
    const count = 'order refused: this run already placed 3 orders, risk_config.max_orders_per_run is 3.';
    await refused(exchange.createOrder(FUT, 'market', 'sell', 0.001, undefined, { reduceOnly: true }), count);
    await refused(exchange.createOrder(FUT, 'market', 'sell', 0.001, undefined, { closePosition: true, stopLossPrice: 140_000, intent: 'x' }), count);
    expect(venue.reached(session)).toBe(3);

    // Ten at once, checked one after the other: exactly max_orders_per_run of them are placed.
    const other = await open({ max_orders_per_run: 2 });
    const before = venue.reached(other.session);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => other.exchange.createOrder(FUT, 'market', 'buy', 0.001, undefined, { intent: `burst-${i}` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(venue.reached(other.session) - before).toBe(2);
  });

  it('refuses amounts and prices that are not finite and positive or outside the market limits, before anything is sent', async () => {
    const { sub, runId, session, exchange } = await open({});
    const create = (type: string, amount: unknown, price?: unknown, params?: Record<string, unknown>) =>
      exchange.createOrder(FUT, type, 'buy', amount as number, price as number, params);
    // The ledger-evasion order: no amount.
    await refused(create('market', undefined), 'order amount must be a finite number above 0, got undefined.');
    await refused(create('market', Number.NaN), 'order amount must be a finite number above 0, got NaN.');
    await refused(create('market', Number.POSITIVE_INFINITY), 'order amount must be a finite number above 0, got Infinity.');
    await refused(create('market', '0.01'), 'order amount must be a finite number above 0, got "0.01".');
    await refused(create('market', -1), 'order amount must be a finite number above 0, got -1.');
    await refused(create('limit', 0.01, 0), 'limit order price must be a finite number above 0, got 0.');
    await refused(create('market', 0.01, undefined, { stopLossPrice: -5 }), 'params.stopLossPrice must be a finite number above 0, got -5.');
    await refused(create('TRAILING_STOP_MARKET', 0.01), 'order type must be one of market, limit, stop_market, take_profit_market, got "TRAILING_STOP_MARKET".');
    await refused(create('market', 0.01, undefined, { reduceOnly: 'yes' }), 'params.reduceOnly must be true or false, got "yes".');
    await refused(create('market', 0.0001), `order amount 0.0001 refused: ${FUT} takes at least 0.001 (amount step 0.001).`);
    await refused(create('market', 2000), `order amount 2000 refused: ${FUT} takes at most 1000.`);
    // Binance publishes a maximum price (the recorded markets have none).
    if (venue.mode === 'testnet') await refused(create('limit', 0.001, 10_000_000), /^limit price 10000000 refused: BTC\/USDT:USDT prices end at \d+\.$/);
    expect(venue.reached(session)).toBe(0);
    await finishSucceeded(world, runId, sub, session);
    // Malformed requests never became orders; the ones refused against the market's limits are recorded.
    const rows = await stored(sub);
    expect(rows.filter((o) => o.status === 'rejected').map((o) => o.amount)).toEqual(venue.mode === 'testnet' ? [0.0001, 2000, 0.001] : [0.0001, 2000]);
    expect(rows).toHaveLength(venue.mode === 'testnet' ? 3 : 2);
  });

  // The guard decides from the exchange-method table which calls it must check (addsExposure), not from a list
  // of its own: each method marked there is refused on another pair before any venue sees it, and a method the
  // table marks at run time without a check of the guard's is refused outright.
  it('checks every call the exchange-method table marks as adding exposure, and only the table decides which', async () => {
    const { session } = await open({});
    // One call per marked method, on another pair: a method newly marked in the table fails to compile here until it has one.
    const onAnotherPair: Record<ExposureMethod, unknown[]> = { createOrder: ['ETH/USDT:USDT', 'market', 'buy', 0.01], setLeverage: [2, 'ETH/USDT:USDT'] };
    const marked = Object.keys(exchangeMethods).filter((m) => isExchangeMethod(m) && addsExposure(m));
    expect(marked.sort()).toEqual(Object.keys(onAnotherPair).sort());
    for (const method of marked) {
      await refused(session.call(method, onAnotherPair[method as ExposureMethod]), `${method} on ETH/USDT:USDT refused: this subscription trades ${FUT} only.`);
    }
    const ticker = exchangeMethods.fetchTicker as { addsExposure: boolean };
    await expect(session.call('fetchTicker', [FUT])).resolves.toMatchObject({ symbol: FUT });
    ticker.addsExposure = true;
    try {
      await refused(session.call('fetchTicker', [FUT]), 'fetchTicker refused: it may add exposure and the risk guard has no check for it.');
    } finally {
      ticker.addsExposure = false;
    }
    expect(venue.reached(session)).toBe(0);
  });
});
