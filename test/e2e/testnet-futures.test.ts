// End to end: the real botctl (create, keys add, subscribe, run — the runner botd uses) runs the
// binance_futures_bot template in testnet mode. The bot's child process talks to the daemon-side broker over
// IPC; the broker's ccxt client (demo trading) talks to the fake Binance on loopback, reached through
// BOTCTL_EXCHANGE_REDIRECT. Checked: the fake's order log (leverage, entry, reduce-only stop and take-profit)
// and the orders table agree; a wrong secret fails the run with AuthenticationError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../../src/db/open.js';
import { botctl } from '../support/cli.js';
import { startFakeBinance, type FakeBinance } from '../support/fake-binance.js';
import { temporaryHome } from '../support/home.js';
import { uptrendKlines } from '../support/trend-klines.js';

const apiKey = 'demo-api-key';
const secret = 'demo-api-secret';

let fake: FakeBinance;
let home: string;
let remove: () => void;
let env: Record<string, string>;

beforeAll(async () => {
  // At 60000: +60/−30 hourly steps, the forming candle at 60000 (the fake's price): the bot's defaults go long.
  fake = await startFakeBinance({ apiKey, secret, klines: uptrendKlines((symbol) => fake.price(symbol)) });
  ({ home, remove } = temporaryHome());
  env = { BOTCTL_EXCHANGE_REDIRECT: fake.url };
  const created = await botctl(home, ['create', '--template', 'binance_futures_bot', '--name', 'trend', '--exchange', 'binanceusdm', '--json']);
  expect(created.exitCode, created.stderr).toBe(0);
  for (const [name, s] of [['demo', secret], ['bad', 'wrong-secret']] as const) {
    const added = await botctl(home, ['keys', 'add', name, '--exchange', 'binanceusdm'], { input: `${apiKey}\n${s}\n` });
    expect(added.exitCode, added.stderr).toBe(0);
  }
  for (const [name, key] of [['good', 'demo'], ['wrong', 'bad']] as const) {
    const subscribed = await botctl(home, [
      'subscribe', 'trend', '--name', name, '--pair', 'BTC/USDT:USDT', '--schedule', '0 * * * *', '--mode', 'testnet', '--key', key, '--json',
    ]);
    expect(subscribed.exitCode, subscribed.stderr).toBe(0);
  }
});

afterAll(async () => {
  await fake.close();
  remove();
});

async function withDatabase<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await openDatabase(home);
  try {
    return await work(connection);
  } finally {
    await connection.close();
  }
}

describe('binance_futures_bot in testnet mode against the fake Binance', () => {
  it('sets leverage, enters, places a reduce-only stop and take-profit, confirms the stop, and records every order', async () => {
    const run = await botctl(home, ['run', 'good', '--json'], { env });
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    const runId = (run.json as { id: number }).id;

    expect(fake.leverage['BTCUSDT']).toBe(3);
    const [entry, stop, takeProfit, ...rest] = fake.orders;
    expect(rest).toEqual([]);
    // Risk 1% of 10000 over the ATR stop wants more than max_position_size (100% of equity) allows: 10000 / 60000 → 0.166.
    expect(entry).toMatchObject({ market: 'futures', symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.166, status: 'FILLED', reduceOnly: false, algo: false });
    expect(stop).toMatchObject({ symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_MARKET', quantity: 0.166, reduceOnly: true, algo: true, status: 'NEW' });
    expect(takeProfit).toMatchObject({ symbol: 'BTCUSDT', side: 'SELL', type: 'TAKE_PROFIT_MARKET', quantity: 0.166, reduceOnly: true, algo: true, status: 'NEW' });
    expect(stop?.stopPrice).toBeLessThan(60_000);
    // Take-profit at twice the stop distance (reward_risk 2).
    expect(takeProfit!.stopPrice! - 60_000).toBeCloseTo(2 * (60_000 - stop!.stopPrice!), 0);

    const trading = fake.requests.filter((r) => r.method === 'POST').map((r) => r.path);
    expect(trading).toEqual(['/fapi/v1/leverage', '/fapi/v1/order', '/fapi/v1/algoOrder', '/fapi/v1/algoOrder']);
    // The stop was confirmed among the open trigger orders after it was placed (the risk guard also lists them before
    // the entry, for resting entries).
    const confirmAt = fake.requests.findLastIndex((r) => r.path === '/fapi/v1/openAlgoOrders');
    expect(confirmAt).toBeGreaterThan(fake.requests.findLastIndex((r) => r.path === '/fapi/v1/algoOrder'));
    expect(new Set(fake.requests.map((r) => r.host))).toEqual(new Set(['demo-fapi.binance.com']));
    expect(fake.count('/fapi/v1/exchangeInfo')).toBe(1);

    await withDatabase(async ({ db }) => {
      const orders = await db.selectFrom('orders').selectAll().orderBy('id').execute();
      expect(orders.map((o) => [o.run_id, o.mode, o.exchange_order_id, o.client_order_id, o.side, o.type, o.amount, o.status])).toEqual([
        [runId, 'testnet', String(entry?.id), entry?.clientOrderId, 'buy', 'market', 0.166, 'closed'],
        [runId, 'testnet', String(stop?.id), stop?.clientOrderId, 'sell', 'stop_market', 0.166, 'open'],
        [runId, 'testnet', String(takeProfit?.id), takeProfit?.clientOrderId, 'sell', 'take_profit_market', 0.166, 'open'],
      ]);
      expect(orders[1]?.price).toBe(stop?.stopPrice);
      const signals = await db.selectFrom('signals').selectAll().execute();
      expect(signals.map((s) => [s.run_id, s.action, s.symbol])).toEqual([[runId, 'long', 'BTC/USDT:USDT']]);
    });
  });

  it('holds on the next run: the position is open and its stop still rests on the exchange', async () => {
    const before = fake.orders.length;
    const run = await botctl(home, ['run', 'good', '--json'], { env });
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(fake.orders).toHaveLength(before);
    expect(run.stdout).toContain('decision hold');
  });

  it('fails a run whose key has the wrong secret with a clear AuthenticationError', async () => {
    const run = await botctl(home, ['run', 'wrong', '--json'], { env });
    expect(run.exitCode).toBe(1);
    const error = (run.json as { error: string }).error;
    expect(error).toMatch(/^AuthenticationError: binanceusdm \(testnet\) refused API key "bad": .*-1022/);
    await withDatabase(async ({ db }) => {
      const row = await db.selectFrom('runs').innerJoin('subscriptions', 'subscriptions.id', 'runs.subscription_id')
        .select(['runs.status', 'runs.error']).where('subscriptions.name', '=', 'wrong').executeTakeFirstOrThrow();
      expect(row.status).toBe('failed');
      expect(row.error).toContain('AuthenticationError');
    });
  });
});
