// A real botd process schedules two binance_futures_bot subscriptions that share one API key, every second,
// in testnet mode against the fake Binance (BOTCTL_EXCHANGE_REDIRECT). Over ten runs: one ccxt client, so
// exactly one exchangeInfo request; each subscription sets leverage, enters, protects; the orders table
// matches the fake's order log one for one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemplateBot } from '../../src/bots/create-template-bot.js';
import { openDatabase } from '../../src/db/open.js';
import { botFilesDir } from '../../src/package-root.js';
import { addKey } from '../../src/secrets/keys.js';
import { startBotd, killAllBotds, type LogLine } from '../daemon/botd.js';
import { startFakeBinance, type FakeBinance } from '../support/fake-binance.js';
import { temporaryHome } from '../support/home.js';
import { uptrendKlines } from '../support/trend-klines.js';

const apiKey = 'demo-api-key';
const secret = 'demo-api-secret';

let fake: FakeBinance;
let home: string;
let remove: () => void;

beforeAll(async () => {
  fake = await startFakeBinance({ apiKey, secret, klines: uptrendKlines((symbol) => fake.price(symbol)) });
  ({ home, remove } = temporaryHome());
  const { db, close } = await openDatabase(home);
  const bot = await createTemplateBot(db, { name: 'trend', template: 'binance_futures_bot', developer: 'default', exchange: 'binanceusdm' });
  await addKey(db, home, { name: 'shared', exchange: 'binanceusdm', credentials: { apiKey, secret } });
  for (const pair of ['BTC/USDT:USDT', 'ETH/USDT:USDT']) {
    await db.insertInto('subscriptions').values({
      bot_id: bot.id, name: pair, user_principal_id: 'default', trading_pair: pair, schedule: '* * * * * *', timezone: 'UTC',
      execution_config: '{}', risk_config: '{}', mode: 'testnet', key_name: 'shared', enabled: 1, updated_at: new Date().toISOString(),
      // The first run loads ccxt and the markets in botd: longer than the 0.8 s a 1-second schedule allows by default.
      timeout_ms: 30_000,
    }).execute();
  }
  await close();
});

afterAll(async () => {
  killAllBotds();
  await fake.close();
  remove();
});

describe('botd with the exchange broker', () => {
  it('runs two subscriptions on one key ten times with one exchangeInfo request, and records every order', async () => {
    const botd = startBotd(home, [], { BOTCTL_EXCHANGE_REDIRECT: fake.url, BOTCTL_BOT_FILES: botFilesDir });
    // Slots that come due while the previous run still runs are skipped; the others must all succeed.
    const finished = (l: LogLine) => l.msg === 'run finished' && l.status !== 'skipped';
    await botd.waitFor('ten finished runs', (l) => finished(l) && botd.lines.filter(finished).length >= 10, 60_000);
    botd.kill('SIGTERM');
    await botd.exit;

    const runs = botd.lines.filter(finished);
    expect(runs.length).toBeGreaterThanOrEqual(10);
    expect(runs.filter((l) => l.status !== 'succeeded').map((l) => l['error'])).toEqual([]);
    expect(fake.count('/fapi/v1/exchangeInfo')).toBe(1);
    expect(fake.leverage).toEqual({ BTCUSDT: 3, ETHUSDT: 3 });
    expect(fake.orders.map((o) => [o.symbol, o.type, o.reduceOnly])).toEqual(
      expect.arrayContaining([
        ['BTCUSDT', 'MARKET', false], ['BTCUSDT', 'STOP_MARKET', true], ['BTCUSDT', 'TAKE_PROFIT_MARKET', true],
        ['ETHUSDT', 'MARKET', false], ['ETHUSDT', 'STOP_MARKET', true], ['ETHUSDT', 'TAKE_PROFIT_MARKET', true],
      ]),
    );
    expect(fake.orders).toHaveLength(6); // later runs hold: their positions are open and protected

    const { db, close } = await openDatabase(home);
    try {
      const orders = await db.selectFrom('orders').selectAll().execute();
      expect(orders.map((o) => [o.client_order_id, o.exchange_order_id, o.mode]).sort()).toEqual(
        fake.orders.map((o) => [o.clientOrderId, String(o.id), 'testnet']).sort(),
      );
    } finally {
      await close();
    }
  });
});
