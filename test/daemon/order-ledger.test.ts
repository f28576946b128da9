// The ledger keeps what happened (issue #9, item 6): a real sandboxed child places a real order (testnet mode,
// ccxt's binanceusdm against the fake Binance; and in paper mode), then crashes, hangs past its timeout, floods
// its channel with garbage, or sends the ledger-evasion order (no amount). Whatever it does afterwards, the
// accepted order is in `orders`, and in paper mode the account agrees with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from '../../src/broker/broker.js';
import { ExchangeClients } from '../../src/broker/exchange-clients.js';
import type { Mode } from '../../src/db/schema.js';
import { runExecution, type RunnerOptions, type RunReport } from '../../src/daemon/runner.js';
import { addKey } from '../../src/secrets/keys.js';
import { recordedDir } from '../broker/world.js';
import { useTemporaryDatabase } from '../support/database.js';
import { routeToFake, startFakeBinance, type FakeBinance } from '../support/fake-binance.js';
import { makeSubscription } from '../support/fixtures.js';
import { addBot, fixtureBots, runsOf, until } from './helpers.js';

process.env.BOTCTL_BOT_FILES = fixtureBots;

const FUT = 'BTC/USDT:USDT';
const temp = useTemporaryDatabase();
let fake: FakeBinance;
let options: RunnerOptions;
let testnet: Broker;
let paper: Broker;

beforeAll(async () => {
  fake = await startFakeBinance({ apiKey: 'k', secret: 's' });
  await addKey(temp.db, temp.home, { name: 'main', exchange: 'binanceusdm', credentials: { apiKey: 'k', secret: 's' } });
  const clients = new ExchangeClients({ enableRateLimit: false, configureClient: (client) => routeToFake(client, fake.url) });
  const base = { db: temp.db, home: temp.home };
  testnet = createBroker({ ...base, clients });
  const flat: [number, number, number, number, number] = [50_000, 50_000, 50_000, 50_000, 1];
  paper = createBroker({ ...base, marketData: 'recorded', recordedDir: recordedDir([flat, flat, flat]) });
  options = { home: temp.home, connection: temp.connection, killGraceMs: 300 };
});

afterAll(async () => {
  await fake.close();
});

type Then = 'crash' | 'hang' | 'garbage' | 'no-amount' | 'nothing';

async function run(then: Then, mode: Mode = 'testnet', timeoutMs: number | null = null): Promise<RunReport> {
  const botId = await addBot(temp.db, 'trades-then');
  const bot = await temp.db.selectFrom('bots').selectAll().where('id', '=', botId).executeTakeFirstOrThrow();
  const sub = await makeSubscription(temp.db, bot, { pair: FUT, mode, key: mode === 'paper' ? null : 'main', execution: { then }, schedule: '0 0 1 1 *' });
  if (timeoutMs !== null) await temp.db.updateTable('subscriptions').set({ timeout_ms: timeoutMs }).where('id', '=', sub.id).execute();
  const broker = mode === 'paper' ? paper : testnet;
  return runExecution({ ...options, exchangeSessions: broker.factory }, { subscriptionId: sub.id, scheduledFor: new Date().toISOString(), requireEnabled: true });
}

const ordersOf = (report: RunReport) =>
  temp.db.selectFrom('orders').select(['run_id', 'exchange_order_id', 'client_order_id', 'side', 'type', 'amount', 'status', 'mode'])
    .where('subscription_id', '=', report.subscriptionId).orderBy('id').execute();

/** The fake's order for the run's one entry, and the row that records it. */
async function expectEntryRecorded(report: RunReport): Promise<void> {
  const rows = await ordersOf(report);
  const placed = fake.orders.find((o) => o.clientOrderId === rows[0]?.client_order_id);
  expect(placed, 'the entry reached the fake Binance').toMatchObject({ side: 'BUY', type: 'MARKET', quantity: 0.002, status: 'FILLED' });
  expect(rows).toEqual([
    { run_id: report.runId, exchange_order_id: String(placed?.id), client_order_id: placed?.clientOrderId, side: 'buy', type: 'market', amount: 0.002, status: 'closed', mode: 'testnet' },
  ]);
}

describe('an order the exchange accepted stays in the ledger', () => {
  it('when the bot crashes right after it', async () => {
    const report = await run('crash');
    expect(report).toMatchObject({ status: 'crashed', error: expect.stringMatching(/^exited with code 3 without reporting a result/) });
    await expectEntryRecorded(report);
  });

  it('when the bot hangs past its timeout and ignores the abort; written while the run is still running', async () => {
    const running = run('hang', 'testnet', 8_000);
    // The row is there before the run ends: written `unknown` before the request went out, then with the answer.
    let seen: { status: string; run_status: string } | undefined;
    await until('the order row of the running run', async () => {
      seen = await temp.db.selectFrom('orders').innerJoin('runs', 'runs.id', 'orders.run_id')
        .select(['orders.status', 'runs.status as run_status']).where('orders.status', '=', 'closed').where('runs.status', '=', 'running').executeTakeFirst();
      return seen !== undefined;
    });
    expect(seen).toEqual({ status: 'closed', run_status: 'running' });
    const report = await running;
    expect(report.status).toBe('timed_out');
    await expectEntryRecorded(report);
  });

  it('when the bot sends garbage and then more than botd takes on its channel', async () => {
    const report = await run('garbage');
    expect(report).toMatchObject({ status: 'failed', error: "the bot sent an IPC message over 1 MiB (botd's limit)" });
    const [row] = await runsOf(temp.db, report.subscriptionId);
    expect(row?.log_tail).toContain('a malformed IPC message was ignored');
    await expectEntryRecorded(report);
  });

  it('when the bot sends an order without an amount: refused in the bot, the run and everything else kept', async () => {
    const report = await run('no-amount');
    expect(report).toMatchObject({ status: 'succeeded', error: null });
    await expectEntryRecorded(report);
    const [row] = await runsOf(temp.db, report.subscriptionId);
    expect(row?.log_tail).toContain('no-amount order: RiskRejected: order amount must be a finite number above 0, got undefined.');
    const signals = await temp.db.selectFrom('signals').select(['run_id', 'action']).where('subscription_id', '=', report.subscriptionId).execute();
    expect(signals).toEqual([{ run_id: report.runId, action: 'long' }]);
    const state = await temp.db.selectFrom('bot_state').select('state').where('subscription_id', '=', report.subscriptionId).executeTakeFirstOrThrow();
    const [order] = await ordersOf(report);
    expect(JSON.parse(state.state)).toEqual({ entered: order?.exchange_order_id });
  });

  it('in paper mode too, with the paper account that the fill changed', async () => {
    for (const then of ['crash', 'no-amount'] as const) {
      const report = await run(then, 'paper');
      expect(report.status).toBe(then === 'crash' ? 'crashed' : 'succeeded');
      const rows = await ordersOf(report);
      expect(rows).toMatchObject([{ run_id: report.runId, side: 'buy', type: 'market', amount: 0.002, status: 'closed', mode: 'paper' }]);
      const account = await temp.db.selectFrom('paper_accounts').selectAll().where('subscription_id', '=', report.subscriptionId).executeTakeFirstOrThrow();
      expect(JSON.parse(account.positions)).toMatchObject({ [FUT]: { amount: 0.002 } });
      expect(JSON.parse(account.balances).USDT).toBeLessThan(10_000); // the taker fee of the fill
    }
  });

  it('and the next run of another subscription carries on', async () => {
    const report = await run('nothing');
    expect(report.status).toBe('succeeded');
    await expectEntryRecorded(report);
  });
});
