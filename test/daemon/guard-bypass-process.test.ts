// The risk-guard bypasses of issue #9 tried by a real sandboxed bot over its IPC channel, served by botd's broker
// in testnet mode (ccxt's binanceusdm against the fake Binance) and in paper mode: each attempt fails inside the
// bot with RiskRejected, the orders table records what happened, only the two legitimate orders reach the venue,
// and the run itself succeeds (botd carries on).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from '../../src/broker/broker.js';
import { ExchangeClients } from '../../src/broker/exchange-clients.js';
import type { Mode } from '../../src/db/schema.js';
import { loadState } from '../../src/daemon/ledger.js';
import { runExecution } from '../../src/daemon/runner.js';
import { addKey } from '../../src/secrets/keys.js';
import { recordedDir } from '../broker/world.js';
import { useTemporaryDatabase } from '../support/database.js';
import { routeToFake, startFakeBinance, type FakeBinance } from '../support/fake-binance.js';
import { makeSubscription } from '../support/fixtures.js';
import { addBot, fixtureBots } from './helpers.js';

process.env.BOTCTL_BOT_FILES = fixtureBots;

const FUT = 'BTC/USDT:USDT';
const temp = useTemporaryDatabase();
let fake: FakeBinance;
const brokers = {} as Record<'paper' | 'testnet', Broker>;

beforeAll(async () => {
  fake = await startFakeBinance({ apiKey: 'k', secret: 's' });
  await addKey(temp.db, temp.home, { name: 'main', exchange: 'binanceusdm', credentials: { apiKey: 'k', secret: 's' } });
  const base = { db: temp.db, home: temp.home };
  brokers.testnet = createBroker({ ...base, clients: new ExchangeClients({ enableRateLimit: false, configureClient: (c) => routeToFake(c, fake.url) }) });
  const flat: [number, number, number, number, number] = [60_000, 60_000, 60_000, 60_000, 1];
  brokers.paper = createBroker({ ...base, marketData: 'recorded', recordedDir: recordedDir([flat, flat]) });
});

afterAll(async () => {
  await fake.close();
});

const cap = 'risk_config.max_order_notional is 1000.';

describe.each(['testnet', 'paper'] as const)('a bot trying the guard bypasses, %s', (mode: Mode & ('testnet' | 'paper')) => {
  it('gets RiskRejected for each, and only its two legitimate orders are placed', async () => {
    const bot = await temp.db.selectFrom('bots').selectAll().where('id', '=', await addBot(temp.db, 'guard-bypass')).executeTakeFirstOrThrow();
    const sub = await makeSubscription(temp.db, bot, {
      pair: FUT, mode, key: mode === 'testnet' ? 'main' : null, schedule: '0 0 1 1 *', risk: { max_order_notional: 1000, max_orders_per_run: 2 },
    });
    const before = fake.orders.length;
    const report = await runExecution(
      { home: temp.home, connection: temp.connection, killGraceMs: 300, exchangeSessions: brokers[mode].factory },
      { subscriptionId: sub.id, scheduledFor: new Date().toISOString(), requireEnabled: true },
    );
    expect(report).toMatchObject({ status: 'succeeded', error: null });
    expect((await loadState(temp.db, sub.id))['attempts']).toEqual({
      'upper-case market with a price': `RiskRejected: order notional 24000.00 refused: ${cap}`,
      'marketable limit': `RiskRejected: order notional 1800.00 refused: ${cap}`,
      'reduceOnly without a position': `RiskRejected: reduce-only sell refused: there is no long ${FUT} position to reduce (position 0).`,
      'closePosition without a position': `RiskRejected: closePosition sell refused: there is no ${FUT} position to close.`,
      'no amount': 'RiskRejected: order amount must be a finite number above 0, got undefined.',
      // NaN crosses the channel as null, which the broker reads as no value.
      'NaN amount': 'RiskRejected: order amount must be a finite number above 0, got undefined.',
      entry: 'placed closed 0.01',
      'closePosition stop': 'placed open 0.01',
      'reduce-only close past the count': 'RiskRejected: order refused: this run already placed 2 orders, risk_config.max_orders_per_run is 2.',
    });
    const orders = await temp.db.selectFrom('orders').select(['side', 'type', 'amount', 'status']).where('subscription_id', '=', sub.id).orderBy('id').execute();
    expect(orders.map((o) => [o.side, o.type, o.amount, o.status])).toEqual([
      ['buy', 'market', 0.4, 'rejected'],
      ['sell', 'limit', 0.03, 'rejected'],
      ['sell', 'market', 0.01, 'rejected'],
      ['sell', 'stop_market', 0, 'rejected'],
      ['buy', 'market', 0.01, 'closed'],
      ['sell', 'stop_market', 0.01, 'open'],
      ['sell', 'market', 0.01, 'rejected'],
    ]);
    if (mode === 'testnet') {
      expect(fake.orders.slice(before).map((o) => [o.side, o.type, o.quantity, o.reduceOnly, o.closePosition])).toEqual([
        ['BUY', 'MARKET', 0.01, false, false],
        ['SELL', 'STOP_MARKET', 0.01, true, false],
      ]);
    }
  });
});
