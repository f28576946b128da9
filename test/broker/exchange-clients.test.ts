// The broker against ccxt's real binanceusdm code, talking to the loopback fake Binance in demo-trading mode:
// one client per (exchange, key, mode), markets loaded once, keys decrypted only in the daemon, a wrong secret
// surfacing as AuthenticationError.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from '../../src/broker/broker.js';
import { ExchangeClients, clientOptionsFromEnv, useTestEndpoints } from '../../src/broker/exchange-clients.js';
import type { ExchangeSession } from '../../src/broker/session.js';
import type { Bot, Subscription } from '../../src/db/schema.js';
import type { BotExchange } from '../../src/sdk/types.js';
import { rejection } from '../support/expect-error.js';
import { routeToFake, startFakeBinance, type FakeBinance } from '../support/fake-binance.js';
import { exchangeOf } from './exchange-of.js';
import { claim, finishSucceeded, openWorld, storeKey, subscribe, templateBot, type World } from './world.js';

const apiKey = 'demo-key';
const secret = 'demo-secret';
const FUT = 'BTC/USDT:USDT';

let fake: FakeBinance;
let world: World;
let bot: Bot;
let broker: Broker;

beforeEach(async () => {
  fake = await startFakeBinance({ apiKey, secret });
  world = await openWorld();
  bot = await templateBot(world.db, 'binance_futures_bot', 'binanceusdm');
  // Tests route ccxt's transport to the fake and switch off its rate limiter; nothing of ours is mocked.
  const clients = new ExchangeClients({ enableRateLimit: false, configureClient: (client) => routeToFake(client, fake.url) });
  broker = createBroker({ db: world.db, home: world.home, clients });
});

afterEach(async () => {
  await world.close();
  await fake.close();
});

describe('exchange clients', () => {
  it('serves two subscriptions on one key over ten runs with one client and one exchangeInfo request', async () => {
    await storeKey(world, 'main', 'binanceusdm', apiKey, secret);
    const subs = [
      await subscribe(world.db, bot, { pair: FUT, mode: 'testnet', key: 'main' }),
      await subscribe(world.db, bot, { pair: 'ETH/USDT:USDT', mode: 'testnet', key: 'main' }),
    ];
    for (let run = 0; run < 10; run++) {
      const subscription = subs[run % 2]!;
      const session = await broker.factory({ runId: await claim(world.db, subscription), subscription, bot });
      const exchange = exchangeOf(session, 'binanceusdm');
      expect(await exchange.fetchOHLCV(subscription.trading_pair, '1h', undefined, 5)).toHaveLength(5);
      expect((await exchange.fetchBalance())['USDT']?.free).toBe(10_000);
      expect(await exchange.fetchPositions()).toEqual([]);
      expect((await exchange.market(subscription.trading_pair)).precision.amount).toBe(0.001);
    }
    expect(fake.count('/fapi/v1/exchangeInfo')).toBe(1);
    expect(fake.count('/fapi/v1/leverageBracket')).toBe(1);
    expect(fake.count('/fapi/v1/klines')).toBe(10);
    expect(broker.clients.size).toBe(1);
    // Testnet mode is ccxt's demo trading: every request addressed demo-fapi.binance.com.
    expect(new Set(fake.requests.map((r) => r.host))).toEqual(new Set(['demo-fapi.binance.com']));
  });

  it('gives a second key its own client but shares the markets already loaded; a replaced key gets a new client', async () => {
    await storeKey(world, 'a', 'binanceusdm', apiKey, secret);
    await storeKey(world, 'b', 'binanceusdm', apiKey, secret);
    for (const key of ['a', 'b']) {
      const subscription = await subscribe(world.db, bot, { pair: FUT, mode: 'testnet', key });
      const session = await broker.factory({ runId: await claim(world.db, subscription), subscription, bot });
      await exchangeOf(session).fetchBalance();
    }
    expect(broker.clients.size).toBe(2);
    expect(fake.count('/fapi/v1/exchangeInfo')).toBe(1);

    await world.db.deleteFrom('api_keys').where('name', '=', 'a').execute();
    await storeKey(world, 'a', 'binanceusdm', apiKey, 'rotated-secret');
    const subscription = await subscribe(world.db, bot, { pair: FUT, mode: 'testnet', key: 'a' });
    const session = await broker.factory({ runId: await claim(world.db, subscription), subscription, bot });
    const err = await rejection(exchangeOf(session).fetchBalance());
    expect(err.name).toBe('AuthenticationError'); // the new secret was used: the fake only knows the old one
  });

  it('turns a wrong secret into AuthenticationError naming the key', async () => {
    await storeKey(world, 'wrong', 'binanceusdm', apiKey, 'not-the-secret');
    const subscription = await subscribe(world.db, bot, { pair: FUT, mode: 'testnet', key: 'wrong' });
    const session = await broker.factory({ runId: await claim(world.db, subscription), subscription, bot });
    const err = await rejection(exchangeOf(session).fetchBalance());
    expect(err.name).toBe('AuthenticationError');
    expect(err.message).toContain('binanceusdm (testnet) refused API key "wrong"');
    expect(err.message).toContain('-1022');
  });

  it('places orders with deterministic client ids, sends no params it was not allowed, and refuses cancelling foreign orders', async () => {
    await storeKey(world, 'main', 'binanceusdm', apiKey, secret);
    const subscription = await subscribe(world.db, bot, { pair: FUT, mode: 'testnet', key: 'main', risk: { max_leverage: 5 } });
    const runId = await claim(world.db, subscription);
    const session = await broker.factory({ runId, subscription, bot });
    const exchange = exchangeOf(session);
    await exchange.setLeverage(3);
    const entry = await exchange.createOrder(FUT, 'market', 'buy', 0.01, undefined, { intent: 'entry' });
    const retried = await exchange.createOrder(FUT, 'market', 'buy', 0.01, undefined, { intent: 'entry' });
    expect(retried.id).toBe(entry.id);
    expect(fake.count('POST /fapi/v1/order')).toBe(1);
    expect(fake.orders[0]?.clientOrderId).toBe(session.orders()[0]?.client_order_id);
    expect(fake.orders[0]?.clientOrderId).toMatch(/^bc[a-z0-9]{30}$/);
    expect(session.orders()).toEqual([
      { exchange_order_id: entry.id, client_order_id: fake.orders[0]?.clientOrderId, symbol: FUT, side: 'buy', type: 'market', amount: 0.01, price: 60_000, status: 'closed', mode: 'testnet' },
    ]);
    // An order of the same account but not of this subscription.
    const foreign = fake.orders.length;
    const other = await subscribe(world.db, bot, { pair: FUT, mode: 'testnet', key: 'main' });
    const otherSession = await broker.factory({ runId: await claim(world.db, other), subscription: other, bot });
    const limit = await exchangeOf(otherSession).createOrder(FUT, 'limit', 'buy', 0.01, 50_000);
    expect(fake.orders).toHaveLength(foreign + 1);
    const refused = await rejection(exchange.cancelOrder(String(limit.id)));
    expect(refused.name).toBe('RiskRejected');
    expect(fake.count('DELETE /fapi/v1/order')).toBe(0);
  });
});

describe('orders whose placement got no answer', () => {
  async function runOnce(subscription: Subscription, work: (exchange: BotExchange, session: ExchangeSession) => Promise<void>): Promise<void> {
    const runId = await claim(world.db, subscription);
    const session = await broker.factory({ runId, subscription, bot });
    await work(exchangeOf(session), session);
    await finishSucceeded(world, runId, subscription, session);
  }
  const stored = (subscription: Subscription) =>
    world.db.selectFrom('orders').select(['client_order_id', 'exchange_order_id', 'status', 'price']).where('subscription_id', '=', subscription.id).orderBy('id').execute();

  it('are recorded unknown, then the next run asks the exchange by client id: placed ones get their id and status', async () => {
    await storeKey(world, 'main', 'binanceusdm', apiKey, secret);
    const subscription = await subscribe(world.db, bot, { pair: FUT, mode: 'testnet', key: 'main' });
    await runOnce(subscription, async (exchange, session) => {
      fake.dropResponses('POST /fapi/v1/order', 2);
      const market = await rejection(exchange.createOrder(FUT, 'market', 'buy', 0.01, undefined, { intent: 'entry' }));
      expect(market.name).toMatch(/NetworkError|RequestTimeout|ExchangeNotAvailable/);
      await rejection(exchange.createOrder(FUT, 'limit', 'buy', 0.01, 50_000, { intent: 'resting' }));
      expect(session.orders().map((o) => [o.status, o.exchange_order_id])).toEqual([['unknown', null], ['unknown', null]]);
    });
    // Both reached the exchange; their answers were lost.
    expect(fake.orders.map((o) => o.clientOrderId)).toEqual((await stored(subscription)).map((o) => o.client_order_id));

    await runOnce(subscription, async (exchange) => {
      await exchange.fetchBalance();
      const [entry, resting] = await stored(subscription);
      expect(entry).toMatchObject({ exchange_order_id: String(fake.orders[0]?.id), status: 'closed', price: 60_000 });
      expect(resting).toMatchObject({ exchange_order_id: String(fake.orders[1]?.id), status: 'open', price: 50_000 });
      // Its own again: the bot may cancel the resting order.
      await exchange.cancelOrder(String(fake.orders[1]?.id), FUT);
    });
    expect(fake.count('DELETE /fapi/v1/order')).toBe(1);
  });

  it("finds a futures stop-loss too, among the exchange's algo orders", async () => {
    await storeKey(world, 'main', 'binanceusdm', apiKey, secret);
    const subscription = await subscribe(world.db, bot, { pair: FUT, mode: 'testnet', key: 'main' });
    await runOnce(subscription, async (exchange) => {
      await exchange.createOrder(FUT, 'market', 'buy', 0.01, undefined, { intent: 'entry' });
      fake.dropResponses('POST /fapi/v1/algoOrder');
      await rejection(exchange.createOrder(FUT, 'market', 'sell', 0.01, undefined, { stopLossPrice: 55_000, reduceOnly: true, intent: 'stop-loss' }));
    });
    const stop = fake.orders.find((o) => o.algo);
    expect(stop).toBeDefined();
    await runOnce(subscription, async (exchange) => {
      await exchange.fetchOpenOrders(FUT, undefined, undefined, { trigger: true });
    });
    expect((await stored(subscription))[1]).toMatchObject({ exchange_order_id: String(stop?.id), status: 'open', price: 55_000 });
    expect(fake.count('GET /fapi/v1/algoOrder')).toBe(1);
  });

  it('are recorded rejected when the exchange never received them, and stay unknown while it cannot be asked', async () => {
    await storeKey(world, 'main', 'binanceusdm', apiKey, secret);
    const subscription = await subscribe(world.db, bot, { pair: FUT, mode: 'testnet', key: 'main' });
    await runOnce(subscription, async (exchange) => {
      fake.dropResponses('POST /fapi/v1/order', 1, false);
      await rejection(exchange.createOrder(FUT, 'market', 'buy', 0.01));
    });
    expect(fake.orders).toEqual([]);
    // The lookup itself goes unanswered: still unknown.
    await runOnce(subscription, async (exchange) => {
      fake.dropResponses('GET /fapi/v1/order', 1);
      await exchange.fetchBalance();
    });
    expect((await stored(subscription)).map((o) => o.status)).toEqual(['unknown']);
    await runOnce(subscription, async (exchange) => {
      await exchange.fetchBalance();
    });
    expect((await stored(subscription)).map((o) => [o.status, o.exchange_order_id])).toEqual([['rejected', null]]);
  });
});

describe("paper mode on the exchange's public market data", () => {
  it('prices paper fills from a key-less client on the production endpoints, without a signed request', async () => {
    const paper = createBroker({
      db: world.db, home: world.home, marketData: 'exchange',
      clients: new ExchangeClients({ enableRateLimit: false, configureClient: (client) => routeToFake(client, fake.url) }),
    });
    const subscription = await subscribe(world.db, bot, { pair: FUT, risk: { paper: { slippage_bps: 0 } } });
    const session = await paper.factory({ runId: await claim(world.db, subscription), subscription, bot });
    const exchange = exchangeOf(session);
    expect(await exchange.fetchOHLCV(FUT, '1h', undefined, 3)).toHaveLength(3);
    fake.setPrice(FUT, 61_000);
    const order = await exchange.createOrder(FUT, 'market', 'buy', 0.01);
    expect(order).toMatchObject({ average: 61_000, status: 'closed' });
    expect(fake.orders).toEqual([]); // simulated: nothing reached the exchange's order book
    expect(fake.requests.some((r) => r.signed)).toBe(false);
    expect(new Set(fake.requests.map((r) => r.host))).toEqual(new Set(['fapi.binance.com']));
  });
});

describe('BOTCTL_EXCHANGE_REDIRECT', () => {
  it('is for a loopback test exchange only', () => {
    expect(clientOptionsFromEnv({})).toEqual({});
    expect(clientOptionsFromEnv({ BOTCTL_EXCHANGE_REDIRECT: 'http://127.0.0.1:4000' })).toMatchObject({ enableRateLimit: false });
    expect(() => clientOptionsFromEnv({ BOTCTL_EXCHANGE_REDIRECT: 'https://example.com' })).toThrow('Expected BOTCTL_EXCHANGE_REDIRECT to be a loopback URL');
  });
});

describe('testnet endpoints', () => {
  it('uses demo trading where ccxt has it and refuses an exchange with neither demo nor sandbox', async () => {
    const ccxt = (await import('ccxt')).default;
    const usdm = new ccxt.binanceusdm();
    useTestEndpoints(usdm);
    expect((usdm.urls['api'] as Record<string, string>)['fapiPrivate']).toBe('https://demo-fapi.binance.com/fapi/v1');
    const okx = new ccxt.okx();
    useTestEndpoints(okx); // sandbox only
    expect(okx.isSandboxModeEnabled).toBe(true);
    // kraken lists no test URLs at all.
    expect(() => useTestEndpoints(new ccxt.kraken())).toThrow('kraken has neither demo-trading nor sandbox endpoints in ccxt: use mode paper or live.');
  });
});
