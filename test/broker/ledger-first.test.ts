// The venue never runs ahead of the ledger: when an order cannot be written, an exchange order is not sent
// (it is written `unknown` before it goes out), a paper fill is not kept, and the session serves nothing more.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBroker } from '../../src/broker/broker.js';
import { ExchangeClients } from '../../src/broker/exchange-clients.js';
import type { Bot } from '../../src/db/schema.js';
import { rejection } from '../support/expect-error.js';
import { routeToFake, startFakeBinance, type FakeBinance } from '../support/fake-binance.js';
import { exchangeOf } from './exchange-of.js';
import { claim, openWorld, recordedDir, storeKey, subscribe, templateBot, type World } from './world.js';

const FUT = 'BTC/USDT:USDT';
let world: World;
let bot: Bot;
let fake: FakeBinance;

beforeEach(async () => {
  world = await openWorld();
  bot = await templateBot(world.db, 'binance_futures_bot', 'binanceusdm');
  fake = await startFakeBinance({ apiKey: 'k', secret: 's' });
  await storeKey(world, 'main', 'binanceusdm', 'k', 's');
});

afterEach(async () => {
  await fake.close();
  await world.close();
});

describe('an order the ledger cannot write', () => {
  it.each(['testnet', 'paper'] as const)('is not placed, and the session stops serving (%s)', async (mode) => {
    const flat: [number, number, number, number, number] = [60_000, 60_000, 60_000, 60_000, 1];
    const base = { db: world.db, home: world.home };
    const broker = mode === 'paper'
      ? createBroker({ ...base, marketData: 'recorded', recordedDir: recordedDir([flat]) })
      : createBroker({ ...base, clients: new ExchangeClients({ enableRateLimit: false, configureClient: (c) => routeToFake(c, fake.url) }) });
    const subscription = await subscribe(world.db, bot, mode === 'paper' ? { pair: FUT } : { pair: FUT, mode, key: 'main' });
    const runId = await claim(world.db, subscription);
    const exchange = exchangeOf(await broker.factory({ runId, subscription, bot }));
    expect(await exchange.fetchPositions()).toEqual([]);
    // The run's row is gone (orders.run_id references it): every write of an order of this run fails.
    await world.db.deleteFrom('runs').where('id', '=', runId).execute();
    const error = await rejection(exchange.createOrder(FUT, 'market', 'buy', 0.01));
    expect(error.name).toBe('ExchangeError');
    // The database's own words for the foreign key: SQLite's, or PostgreSQL's (TEST_DATABASE=postgres).
    const cause = /^botd could not record order bc[a-z0-9]+: (FOREIGN KEY constraint failed|insert or update on table "orders" violates foreign key constraint "\w+")$/.exec(error.message)?.[1];
    expect(cause, error.message).toBeDefined();
    const next = await rejection(exchange.fetchBalance());
    expect(next.message).toBe(`ctx.exchange.fetchBalance() refused: botd could not record an earlier call (${cause}).`);
    expect(fake.orders).toEqual([]);
    const saved = await world.db.selectFrom('paper_accounts').select('positions').where('subscription_id', '=', subscription.id).executeTakeFirst();
    // A paper fill that could not be written was never kept.
    expect(saved === undefined || saved.positions === '{}').toBe(true);
  });
});
