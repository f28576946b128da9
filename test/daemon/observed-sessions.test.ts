// botd's watched exchange sessions over the real broker in paper mode (recorded candles): every call is
// reported by exchange and method, accepted orders as entry or exit with their fill and the P&L the paper
// engine realized, and risk-guard refusals with the guard's words; answers and errors pass through unchanged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBroker } from '../../src/broker/broker.js';
import { observedSessions } from '../../src/daemon/observed-sessions.js';
import type { Bot } from '../../src/db/schema.js';
import { EventBus, type DaemonEvent } from '../../src/events/daemon-events.js';
import { RiskRejected } from '../../src/sdk/errors.js';
import { rejection } from '../support/expect-error.js';
import { claim, openWorld, recordedDir, subscribe, templateBot, type World } from '../broker/world.js';

const flat: [number, number, number, number, number] = [50_000, 50_000, 50_000, 50_000, 1];
const t0 = 100_000 * 60_000 + 1_000;

let world: World;
let bot: Bot;

beforeEach(async () => {
  world = await openWorld();
  bot = await templateBot(world.db, 'binance_futures_bot', 'binanceusdm');
});
afterEach(async () => {
  await world.close();
});

describe('observed exchange sessions', () => {
  it('reports calls, an entry and an exit fill with realized P&L, and a refusal', async () => {
    const broker = createBroker({ db: world.db, home: world.home, marketData: 'recorded', recordedDir: recordedDir(Array.from({ length: 10 }, () => flat)), now: () => t0 });
    const bus = new EventBus();
    const events: DaemonEvent[] = [];
    bus.on((e) => events.push(e));
    const subscription = await subscribe(world.db, bot, { pair: 'BTC/USDT:USDT', risk: { max_order_notional: 20_000, paper: { slippage_bps: 10 } } });
    const runId = await claim(world.db, subscription);
    const session = await observedSessions(broker.factory, bus)({ runId, subscription, bot });

    const entry = (await session.call('createOrder', ['BTC/USDT:USDT', 'market', 'buy', 0.1])) as { status: string };
    expect(entry.status).toBe('closed');
    await session.call('createOrder', ['BTC/USDT:USDT', 'market', 'sell', 0.1, undefined, { reduceOnly: true }]);
    const refused = await rejection(session.call('createOrder', ['BTC/USDT:USDT', 'market', 'buy', 1]));
    expect(refused).toBeInstanceOf(RiskRejected);

    const orders = events.filter((e) => e.type === 'order');
    // Bought at 50050 (10 bps slippage), sold at 49950: 0.1 × −100 = −10 realized.
    expect(orders).toMatchObject([
      { intent: 'entry', side: 'buy', status: 'closed', filled: 0.1, price: 50_050, pnl: null, mode: 'paper', bot: bot.name, runId },
      { intent: 'exit', side: 'sell', status: 'closed', filled: 0.1, price: 49_950, pnl: -10, exchange: 'binanceusdm' },
    ]);
    expect(events.filter((e) => e.type === 'order-refused')).toMatchObject([
      { method: 'createOrder', subscriptionId: subscription.id, message: expect.stringContaining('risk_config.max_order_notional is 20000') as string },
    ]);
    const calls = events.filter((e) => e.type === 'broker-request').map((e) => [e.method, e.error]);
    expect(calls).toEqual([['createOrder', null], ['createOrder', null], ['createOrder', 'RiskRejected']]);
    // The broker's own record keeping is untouched by the wrapper.
    expect(session.orders().map((o) => o.status)).toEqual(['closed', 'closed', 'rejected']);
  });
});
