// Parity: a subscription run slot by slot in paper mode through the runner botd and `botctl run` use (one child
// per run, state and paper account through the database, prices from the candle store at each run's simulated
// time) and a backtest of the same bot, config and period (one child, nothing in the database) place the same
// orders at the same prices, fill them the same way, and end with the same balances and state.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/run-backtest.js';
import { createBroker } from '../../src/broker/broker.js';
import { runExecution } from '../../src/daemon/runner.js';
import { validateRiskConfig } from '../../src/subscriptions/risk-config.js';
import { makeBot, makeSubscription } from '../support/fixtures.js';
import { useRealCandleHome } from './real-candle-home.js';
import { haveRealCandles } from '../support/real-candles.js';

const fixtureTemplates = fileURLToPath(new URL('../fixtures/backtest', import.meta.url));

describe.skipIf(!haveRealCandles)('a backtest and paper runs of the same bot over the same real candles', () => {
  const world = useRealCandleHome();

  async function compare(template: string, config: Record<string, unknown>, from: string, step: number, slots: number) {
    const bot = await makeBot(world.db, `${template}_${Date.now()}`, { template, exchange: 'binance' });
    const subscription = await makeSubscription(world.db, bot, { pair: 'BTC/USDT', execution: config, mode: 'paper' });
    const broker = createBroker({ db: world.db, home: world.home, marketData: 'recorded' });
    const start = Date.parse(from);
    for (let i = 0; i < slots; i++) {
      const t = start + i * step;
      const run = await runExecution({ home: world.home, connection: world.connection, exchangeSessions: broker.factory }, { subscriptionId: subscription.id, scheduledFor: new Date(t).toISOString(), requireEnabled: false, clock: t });
      expect(run.status, run.error ?? '').toBe('succeeded');
    }
    const runOrders = await world.db.selectFrom('orders').select(['side', 'type', 'amount', 'price', 'status']).where('subscription_id', '=', subscription.id).orderBy('id').execute();
    const account = await world.db.selectFrom('paper_accounts').selectAll().where('subscription_id', '=', subscription.id).executeTakeFirstOrThrow();
    const state = await world.db.selectFrom('bot_state').select('state').where('subscription_id', '=', subscription.id).executeTakeFirstOrThrow();

    const report = await runBacktest(world.home, world.connection, {
      bot: String(bot.id), pair: 'BTC/USDT', from: start, to: start + slots * step, every: `${step / 60_000}m`, config, risk: validateRiskConfig({}), save: false,
    });
    expect(report.slots).toMatchObject({ count: slots, run: slots, failed: 0 });
    expect(report.orders.map(({ side, type, amount, price, status }) => ({ side, type, amount, price, status }))).toEqual(runOrders);
    // What filled in the backtest after the last slot is not in the runs' account yet: compare before that.
    return { report, runOrders, balances: JSON.parse(account.balances) as Record<string, number>, openOrders: (JSON.parse(account.state) as { orders: unknown[] }).orders.length, state: JSON.parse(state.state) as Record<string, unknown> };
  }

  it('simple_sma_bot: the same market orders at the same prices, the same balances', async () => {
    const { report, runOrders, balances, state } = await compare('simple_sma_bot', { timeframe: '15m', fast: 5, slow: 20 }, '2021-02-19T05:30Z', 15 * 60_000, 5);
    expect(runOrders.length).toBeGreaterThan(0);
    expect(report.final.balances).toEqual(balances);
    expect(report.state).toEqual(state);
  });

  it('a resting limit order: filled between slots from the same candle in both', async () => {
    process.env['BOTCTL_BOT_FILES'] = fixtureTemplates;
    const { report, runOrders, balances, openOrders, state } = await compare('buy_once', { amount: 0.01 }, '2021-02-19T10:00Z', 2 * 60_000, 10);
    expect(runOrders.map((o) => [o.type, o.side, o.status])).toEqual([['market', 'buy', 'closed'], ['limit', 'sell', 'closed']]);
    // The runs saw the limit sell fill (their last balances read 0 BTC), as the backtest did, at the same slot.
    const seen = state['balances'] as number[];
    expect(seen.at(-1)).toBe(0);
    expect(report.state).toEqual(state);
    expect(openOrders).toBe(0);
    expect(report.final.balances).toEqual(balances);
    expect(report.trades).toHaveLength(1);
    expect(report.trades[0]!.exitPrice).toBe(runOrders[1]!.price);
  });
});
