// Paper trading through the broker: fills at the market price with fee and slippage, balances and positions
// kept per subscription in the database (written in the run's finish transaction), resting stops filled by
// a later price range, and the risk guard in front of all of it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from '../../src/broker/broker.js';
import { clientOrderId } from '../../src/broker/client-order-id.js';
import type { ExchangeSession } from '../../src/broker/session.js';
import type { Bot, Subscription } from '../../src/db/schema.js';
import { ProtectionFailed, enterWithProtection } from '../../src/sdk/strategy/protective.js';
import type { BotExchange } from '../../src/sdk/types.js';
import { RiskRejected } from '../../src/sdk/errors.js';
import { rejection } from '../support/expect-error.js';
import { exchangeOf } from './exchange-of.js';
import { claim, finishSucceeded, openWorld, recordedDir, subscribe, templateBot, type World } from './world.js';

// Ten 1-minute candles at 50000, replayed in a loop; the sixth dips to 48500.
const flat: [number, number, number, number, number] = [50_000, 50_000, 50_000, 50_000, 1];
const dip: [number, number, number, number, number] = [50_000, 50_000, 48_500, 50_000, 1];
const candles = [flat, flat, flat, flat, flat, dip, flat, flat, flat, flat];
const t0 = 100_000 * 60_000 + 1_000; // minute 100000 → row 0, one second in

let world: World;
let bot: Bot;
let clock: number;
let broker: Broker;

beforeEach(async () => {
  world = await openWorld();
  bot = await templateBot(world.db, 'binance_futures_bot', 'binanceusdm');
  clock = t0;
  broker = createBroker({ db: world.db, home: world.home, marketData: 'recorded', recordedDir: recordedDir(candles), now: () => clock });
});

afterEach(async () => {
  await world.close();
});

async function open(subscription: Subscription): Promise<{ runId: number; session: ExchangeSession; exchange: BotExchange }> {
  const runId = await claim(world.db, subscription);
  const session = await broker.factory({ runId, subscription, bot });
  return { runId, session, exchange: exchangeOf(session) };
}

describe('paper spot', () => {
  it('fills at the market price plus slippage, charges the fee, and keeps the balances across runs', async () => {
    const sub = await subscribe(world.db, bot, { pair: 'BTC/USDT', risk: { paper: { slippage_bps: 10 } } });
    const first = await open(sub);
    const buy = await first.exchange.createOrder('BTC/USDT', 'market', 'buy', 0.1);
    // 50000 + 10 bps = 50050; cost 5005; fee 0.1% = 5.005.
    expect(buy).toMatchObject({ status: 'closed', filled: 0.1, average: 50_050, cost: 5005, fee: { cost: 5.005, currency: 'USDT' } });
    const balance = await first.exchange.fetchBalance();
    expect(balance['USDT']).toEqual({ free: 4989.995, used: 0, total: 4989.995 });
    expect(balance['BTC']).toEqual({ free: 0.1, used: 0, total: 0.1 });
    const id = clientOrderId({ subscriptionId: sub.id, runId: first.runId, intent: '#1' });
    expect(first.session.orders()).toEqual([
      { exchange_order_id: '1', client_order_id: id, symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.1, price: 50_050, status: 'closed', mode: 'paper' },
    ]);
    await finishSucceeded(world, first.runId, sub, first.session);

    const stored = await world.db.selectFrom('paper_accounts').selectAll().where('subscription_id', '=', sub.id).executeTakeFirstOrThrow();
    expect(JSON.parse(stored.balances)).toEqual({ USDT: 4989.995, BTC: 0.1 });
    const orders = await world.db.selectFrom('orders').selectAll().execute();
    expect(orders).toMatchObject([{ run_id: first.runId, subscription_id: sub.id, client_order_id: id, mode: 'paper', status: 'closed', price: 50_050 }]);

    const second = await open(sub);
    expect((await second.exchange.fetchBalance())['BTC']?.total).toBe(0.1);
    // 50000 − 10 bps = 49950; proceeds 4995 − fee 4.995.
    await second.exchange.createOrder('BTC/USDT', 'market', 'sell', 0.1);
    expect((await second.exchange.fetchBalance())['USDT']?.total).toBe(9980);
  });

  it('starts from risk_config.paper.starting_balance and refuses reduceOnly on spot like Binance', async () => {
    const sub = await subscribe(world.db, bot, { pair: 'BTC/USDT', risk: { paper: { starting_balance: { USDT: 500, BTC: 0.5 } } } });
    const { exchange } = await open(sub);
    expect((await exchange.fetchBalance())['total']).toEqual({ USDT: 500, BTC: 0.5 });
    const err = await rejection(exchange.createOrder('BTC/USDT', 'market', 'sell', 0.1, undefined, { reduceOnly: true }));
    expect(err.name).toBe('BadRequest');
    const poor = await rejection(exchange.createOrder('BTC/USDT', 'market', 'buy', 0.02));
    expect(poor.name).toBe('InsufficientFunds');
  });
});

describe('paper futures', () => {
  it('opens a leveraged position, rests a reduce-only stop, and fills it when a later run sees the dip', async () => {
    const sub = await subscribe(world.db, bot, { pair: 'BTC/USDT:USDT', risk: { max_leverage: 5, paper: { slippage_bps: 10 } } });
    const first = await open(sub);
    const tooHigh = await rejection(first.exchange.setLeverage(10, 'BTC/USDT:USDT'));
    expect(tooHigh).toBeInstanceOf(RiskRejected);
    expect(tooHigh.message).toBe('leverage 10 refused: risk_config.max_leverage is 5.');
    await first.exchange.setLeverage(5, 'BTC/USDT:USDT');
    const entry = await first.exchange.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.1, undefined, { intent: 'entry' });
    expect(entry).toMatchObject({ average: 50_050, fee: { cost: 2.5025 } }); // 0.05% taker
    const stop = await first.exchange.createOrder('BTC/USDT:USDT', 'market', 'sell', 0.1, undefined, { stopLossPrice: 49_000, reduceOnly: true, intent: 'stop-loss' });
    expect(stop).toMatchObject({ status: 'open', type: 'stop_market', triggerPrice: 49_000, reduceOnly: true });
    expect(await first.exchange.fetchOpenOrders()).toEqual([]);
    expect((await first.exchange.fetchOpenOrders('BTC/USDT:USDT', undefined, undefined, { trigger: true })).map((o) => o.id)).toEqual([stop.id]);
    const [position] = await first.exchange.fetchPositions();
    expect(position).toMatchObject({ symbol: 'BTC/USDT:USDT', side: 'long', contracts: 0.1, entryPrice: 50_050, markPrice: 50_000, unrealizedPnl: -5, leverage: 5 });
    // Wallet 10000 − 2.5025 fee; total adds −5 unrealized; 1000 margin (5000 / 5x) is used.
    expect((await first.exchange.fetchBalance())['USDT']).toEqual({ free: 8992.4975, used: 1000, total: 9992.4975 });
    expect(first.session.orders().map((o) => [o.type, o.side, o.status, o.price])).toEqual([['market', 'buy', 'closed', 50_050], ['stop_market', 'sell', 'open', 49_000]]);
    await finishSucceeded(world, first.runId, sub, first.session);

    clock = t0 + 7 * 60_000; // rows 0..7 have passed, the dip to 48500 among them
    const second = await open(sub);
    expect(await second.exchange.fetchPositions()).toEqual([]);
    expect(await second.exchange.fetchOpenOrders(undefined, undefined, undefined, { trigger: true })).toEqual([]);
    // Stop filled at 49000 − 10 bps = 48951: PnL 0.1 × (48951 − 50050) = −109.9, fee 2.44755.
    expect((await second.exchange.fetchBalance())['USDT']?.total).toBeCloseTo(9885.14995, 8);
    // The stop's row says so too, written with the account that booked the fill.
    const rows = await world.db.selectFrom('orders').select(['type', 'status', 'price']).where('subscription_id', '=', sub.id).orderBy('id').execute();
    expect(rows).toEqual([{ type: 'market', status: 'closed', price: 50_050 }, { type: 'stop_market', status: 'closed', price: 48_951 }]);
  });

  it('caps the position, not each order: entries that each fit cannot add up past max_position_size, in a run or across runs', async () => {
    // 20% of the 10000 starting equity: a 2000 position, 0.04 BTC at 50000.
    const sub = await subscribe(world.db, bot, { pair: 'BTC/USDT:USDT', risk: { max_position_size_pct: 20, paper: { slippage_bps: 0 } } });
    const first = await open(sub);
    await first.exchange.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.03, undefined, { intent: 'entry-1' });
    const again = await rejection(first.exchange.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.03, undefined, { intent: 'entry-2' }));
    expect(again).toBeInstanceOf(RiskRejected);
    expect(again.message).toMatch(/^order notional 1500\.00 refused: it would take the BTC\/USDT:USDT position from 1500\.00 to 3000\.00, and max_position_size is 20% of equity \d+\.\d\d = \d+\.\d\d\.$/);
    await first.exchange.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.005, undefined, { intent: 'entry-3' });
    await finishSucceeded(world, first.runId, sub, first.session);

    const second = await open(sub);
    expect((await rejection(second.exchange.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01))).message).toContain('from 1750.00 to 2250.00');
    // Closing, or selling through to a short within the cap, is allowed.
    await second.exchange.createOrder('BTC/USDT:USDT', 'market', 'sell', 0.06);
    const [position] = await second.exchange.fetchPositions();
    expect(position).toMatchObject({ side: 'short', contracts: 0.025 });
  });

  it('counts resting limit entries against max_position_size as if they had filled', async () => {
    const sub = await subscribe(world.db, bot, { pair: 'BTC/USDT:USDT', risk: { max_position_size_pct: 20 } });
    const { exchange } = await open(sub);
    const resting = await exchange.createOrder('BTC/USDT:USDT', 'limit', 'buy', 0.03, 49_000);
    expect(resting).toMatchObject({ status: 'open' });
    const more = await rejection(exchange.createOrder('BTC/USDT:USDT', 'limit', 'buy', 0.02, 48_000));
    expect(more).toBeInstanceOf(RiskRejected);
    // Valued at the market (50000), not at their lower limits: the market may fall through them.
    expect(more.message).toContain('from 1500.00 to 2500.00 (resting orders counted as filled)');
    // Once the resting entry is cancelled, the same order fits.
    await exchange.cancelOrder(String(resting.id), 'BTC/USDT:USDT');
    expect(await world.db.selectFrom('orders').select('status').where('exchange_order_id', '=', String(resting.id)).where('subscription_id', '=', sub.id).execute())
      .toEqual([{ status: 'canceled' }]);
    await expect(exchange.createOrder('BTC/USDT:USDT', 'limit', 'buy', 0.02, 48_000)).resolves.toMatchObject({ status: 'open' });
  });

  it('places the protective sequence, and closes the position when the stop cannot be confirmed', async () => {
    const sub = await subscribe(world.db, bot, { pair: 'BTC/USDT:USDT', risk: { max_leverage: 5 } });
    const { exchange, session } = await open(sub);
    await exchange.setLeverage(5, 'BTC/USDT:USDT');
    const placed = await enterWithProtection(exchange, { symbol: 'BTC/USDT:USDT', side: 'long', amount: 0.1, stopLoss: 49_000, takeProfit: 52_000 });
    expect(placed.stopLoss).toMatchObject({ status: 'open', triggerPrice: 49_000, reduceOnly: true, side: 'sell' });
    expect(placed.takeProfit).toMatchObject({ status: 'open', triggerPrice: 52_000, reduceOnly: true, side: 'sell', type: 'take_profit_market' });

    // An exchange that lost the stop: the open-order lists come back empty.
    const sub2 = await subscribe(world.db, bot, { pair: 'BTC/USDT:USDT', risk: { max_leverage: 5 } });
    const other = await open(sub2);
    const forgetful: BotExchange = { ...other.exchange, fetchOpenOrders: async () => [] };
    const err = await rejection(enterWithProtection(forgetful, { symbol: 'BTC/USDT:USDT', side: 'long', amount: 0.1, stopLoss: 49_000, takeProfit: 52_000 }));
    expect(err).toBeInstanceOf(ProtectionFailed);
    expect(err.message).toContain('is not among the open orders');
    expect(await other.exchange.fetchPositions()).toEqual([]);
    expect(other.session.orders().map((o) => [o.type, o.side, o.status])).toEqual([
      ['market', 'buy', 'closed'], ['stop_market', 'sell', 'open'], ['take_profit_market', 'sell', 'open'], ['market', 'sell', 'closed'],
    ]);
    // Both protective orders were cancelled before the close: nothing is left to fire on a flat position.
    expect((await other.exchange.fetchOpenOrders('BTC/USDT:USDT', undefined, undefined, { trigger: true })).length).toBe(0);
    expect(session.orders()).toHaveLength(3);
  });
});

describe('risk guard in front of the paper exchange', () => {
  it('refuses oversized orders, other symbols, extra params and orders past the per-run limit, and records the refusals', async () => {
    const sub = await subscribe(world.db, bot, {
      pair: 'BTC/USDT', execution: { capital_management: { max_position_size: 10 } }, risk: { max_orders_per_run: 2 },
    });
    const { exchange, session } = await open(sub);
    const big = await rejection(exchange.createOrder('BTC/USDT', 'market', 'buy', 0.1));
    expect(big).toBeInstanceOf(RiskRejected);
    expect(big.message).toBe('order notional 5000.00 refused: max_position_size is 10% of equity 10000.00 = 1000.00.');
    expect((await rejection(exchange.createOrder('ETH/USDT', 'market', 'buy', 0.01))).message).toBe('createOrder on ETH/USDT refused: this subscription trades BTC/USDT only.');
    expect((await rejection(exchange.createOrder('BTC/USDT', 'market', 'buy', 0.01, undefined, { quantity: 5 }))).message).toContain('params quantity not allowed');
    expect((await rejection(exchange.fetchPositions(['ETH/USDT:USDT']))).name).toBe('RiskRejected');

    const a = await exchange.createOrder('BTC/USDT', 'market', 'buy', 0.01, undefined, { intent: 'a' });
    const again = await exchange.createOrder('BTC/USDT', 'market', 'buy', 0.01, undefined, { intent: 'a' });
    expect(again.id).toBe(a.id); // a retried intent is the same order, placed once
    await exchange.createOrder('BTC/USDT', 'market', 'buy', 0.01, undefined, { intent: 'b' });
    const third = await rejection(exchange.createOrder('BTC/USDT', 'market', 'buy', 0.01, undefined, { intent: 'c' }));
    expect(third.message).toBe('order refused: this run already placed 2 orders, risk_config.max_orders_per_run is 2.');
    expect((await exchange.fetchBalance())['BTC']?.total).toBe(0.02);
    expect((await rejection(exchange.cancelOrder('999', 'BTC/USDT'))).name).toBe('OrderNotFound');

    expect(session.orders().map((o) => [o.status, o.amount])).toEqual([['rejected', 0.1], ['closed', 0.01], ['closed', 0.01], ['rejected', 0.01]]);
    expect(new Set(session.orders().map((o) => o.client_order_id)).size).toBe(4);
  });
});
