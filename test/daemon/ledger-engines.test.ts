// The run ledger and the order ledger through the same kysely code on SQLite and on a real PostgreSQL: a slot is
// claimed once however many connections race for it, a finish writes all of its parts or none, the failure streak
// pauses, and a session's order writes land in the order it made them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OrderLedger } from '../../src/broker/order-ledger.js';
import { paperAccountWrite } from '../../src/broker/paper-accounts.js';
import type { Connection } from '../../src/db/open.js';
import { openDatabase } from '../../src/db/open.js';
import { writeTransaction } from '../../src/db/write-transaction.js';
import { abandonRuns, claimRun, finishRun, lastScheduledFor, loadState, recordSkipped, runningRuns } from '../../src/daemon/ledger.js';
import { describeEachEngine } from '../support/engines.js';
import { addBot, addSubscription } from './helpers.js';

describeEachEngine('run ledger', (engine) => {
  let connection: Connection;
  const others: Connection[] = [];
  let botId = 0;

  beforeAll(async () => {
    connection = await engine.open();
    botId = await addBot(connection.db, 'noop');
  });
  afterAll(async () => {
    for (const other of others) await other.close();
    await connection.close();
  });

  // Another node's connection to the same PostgreSQL: the claim must hold across connections, not just calls. On
  // SQLite the same connection: a second one in this process would wait out busy_timeout synchronously while the
  // first holds the write lock across an await, which only a second process can release (botd and botctl each
  // hold one connection; their races are test/db/concurrent-start.test.ts's).
  async function secondConnection(): Promise<Connection> {
    if (connection.engine === 'sqlite') return connection;
    const other = await openDatabase('/nonexistent', { url: connection.target });
    others.push(other);
    return other;
  }

  it('claims a slot exactly once when eight claims from two connections race for it', async () => {
    const sub = await addSubscription(connection.db, botId);
    const other = await secondConnection();
    const slot = '2030-01-01T00:00:00.000Z';
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => claimRun((i % 2 ? other : connection).db, { subscriptionId: sub, scheduledFor: slot, codeSha256: 'abc', daemonPid: 100 + i, nodeId: i })),
    );
    const won = claims.filter((id) => id !== undefined);
    expect(won).toHaveLength(1);
    const rows = await connection.db.selectFrom('runs').selectAll().where('subscription_id', '=', sub).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: won[0], status: 'running', scheduled_for: slot, code_sha256: 'abc' });
    // The same slot skipped afterwards keeps the run's row.
    expect(await recordSkipped(connection.db, sub, slot, 'overlap')).toBeUndefined();
    expect(await runningRuns(connection.db, sub)).toEqual([{ id: won[0], daemon_pid: rows[0]?.daemon_pid, node_id: rows[0]?.node_id }]);
  });

  it('returns nothing for a subscription removed before its claim (the foreign key), on both engines', async () => {
    const sub = await addSubscription(connection.db, botId);
    await connection.db.deleteFrom('subscriptions').where('id', '=', sub).execute();
    expect(await claimRun(connection.db, { subscriptionId: sub, scheduledFor: '2030-01-01T00:01:00.000Z', codeSha256: null, daemonPid: 1 })).toBeUndefined();
    expect(await recordSkipped(connection.db, sub, '2030-01-01T00:01:00.000Z', 'x')).toBeUndefined();
  });

  it('finishes a run with its state, signals and the paper account in one transaction, and refuses a second finish', async () => {
    const sub = await addSubscription(connection.db, botId);
    const runId = (await claimRun(connection.db, { subscriptionId: sub, scheduledFor: '2030-01-02T00:00:00.000Z', codeSha256: null, daemonPid: 1 }))!;
    const account = paperAccountWrite(sub, { balances: { USDT: 9_000 }, positions: [], leverage: {}, orders: [], nextOrderId: 2, checkedAt: 0 } as never);
    const outcome = {
      runId, subscriptionId: sub, status: 'succeeded' as const, exitCode: 0, signal: null, error: null, logTail: 'ok',
      state: { n: 1 }, commit: account, signals: [{ symbol: 'BTC/USDT', action: 'buy' }], maxConsecutiveFailures: 3,
    };
    expect(await finishRun(connection.db, outcome)).toEqual({ written: true, consecutiveFailures: 0, pausedReason: null });
    expect(await loadState(connection.db, sub)).toEqual({ n: 1 });
    const paper = await connection.db.selectFrom('paper_accounts').selectAll().where('subscription_id', '=', sub).executeTakeFirstOrThrow();
    expect(JSON.parse(paper.balances)).toEqual({ USDT: 9_000 });
    const signals = await connection.db.selectFrom('signals').selectAll().where('run_id', '=', runId).execute();
    expect(signals.map((s) => [s.symbol, s.action])).toEqual([['BTC/USDT', 'buy']]);
    // The row is no longer running: nothing is written twice.
    expect(await finishRun(connection.db, { ...outcome, state: { n: 2 } })).toEqual({ written: false, consecutiveFailures: 0, pausedReason: null });
    expect(await loadState(connection.db, sub)).toEqual({ n: 1 });
  });

  it('rolls the whole finish back when a part of it fails: the run stays running, no state, no signal', async () => {
    const sub = await addSubscription(connection.db, botId);
    const runId = (await claimRun(connection.db, { subscriptionId: sub, scheduledFor: '2030-01-03T00:00:00.000Z', codeSha256: null, daemonPid: 1 }))!;
    const failing = async () => {
      throw new Error('the session could not write');
    };
    await expect(
      finishRun(connection.db, {
        runId, subscriptionId: sub, status: 'succeeded', exitCode: 0, signal: null, error: null, logTail: null, state: { lost: true },
        commit: failing, signals: [{ symbol: 'X', action: 'y' }], maxConsecutiveFailures: 3,
      }),
    ).rejects.toThrow('the session could not write');
    expect((await runningRuns(connection.db, sub)).map((r) => r.id)).toEqual([runId]);
    expect(await loadState(connection.db, sub)).toEqual({});
    expect(await connection.db.selectFrom('signals').selectAll().where('run_id', '=', runId).execute()).toEqual([]);
  });

  it('counts consecutive failures and pauses at the limit, naming the last error', async () => {
    const sub = await addSubscription(connection.db, botId);
    let last;
    for (let i = 0; i < 3; i++) {
      const runId = (await claimRun(connection.db, { subscriptionId: sub, scheduledFor: `2030-01-04T00:0${i}:00.000Z`, codeSha256: null, daemonPid: 1 }))!;
      last = await finishRun(connection.db, { runId, subscriptionId: sub, status: 'failed', exitCode: 1, signal: null, error: `boom ${i}\nstack`, logTail: null, signals: [], maxConsecutiveFailures: 3 });
    }
    expect(last).toEqual({ written: true, consecutiveFailures: 3, pausedReason: 'paused by botd after 3 consecutive failed runs (last: failed: boom 2)' });
    const row = await connection.db.selectFrom('subscriptions').select(['enabled', 'paused_reason']).where('id', '=', sub).executeTakeFirstOrThrow();
    expect(row).toEqual({ enabled: 0, paused_reason: last?.pausedReason });
    expect((await lastScheduledFor(connection.db)).get(sub)).toBe('2030-01-04T00:02:00.000Z');
  });

  it('abandons only the running rows its owner test picks, once, however many callers race', async () => {
    const sub = await addSubscription(connection.db, botId);
    const mine = (await claimRun(connection.db, { subscriptionId: sub, scheduledFor: '2030-01-05T00:00:00.000Z', codeSha256: null, daemonPid: 1, nodeId: 7 }))!;
    const theirs = (await claimRun(connection.db, { subscriptionId: sub, scheduledFor: '2030-01-05T00:01:00.000Z', codeSha256: null, daemonPid: 1, nodeId: 8 }))!;
    const other = await secondConnection();
    const lost = (owner: { node_id: number | null }) => owner.node_id === 7;
    const [a, b] = await Promise.all([abandonRuns(connection.db, lost, 'node lost'), abandonRuns(other.db, lost, 'node lost')]);
    expect([...a!, ...b!].map((r) => r.id)).toEqual([mine]);
    const rows = await connection.db.selectFrom('runs').select(['id', 'status', 'error']).where('subscription_id', '=', sub).orderBy('id').execute();
    expect(rows).toEqual([
      { id: mine, status: 'abandoned', error: 'node lost' },
      { id: theirs, status: 'running', error: null },
    ]);
  });

  it("writes a session's orders in the order it made them, each with the account as it was then", async () => {
    const sub = await addSubscription(connection.db, botId);
    const runId = (await claimRun(connection.db, { subscriptionId: sub, scheduledFor: '2030-01-06T00:00:00.000Z', codeSha256: null, daemonPid: 1 }))!;
    const ledger = new OrderLedger((work) => writeTransaction(connection.db, work), runId, sub);
    const order = { exchange_order_id: null, client_order_id: `c-${engine.engine}-${sub}`, symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1, price: null, status: 'unknown', mode: 'paper' as const };
    const account = { balances: { USDT: 100 }, positions: [], leverage: {}, orders: [], nextOrderId: 1, checkedAt: 0 };
    // Queued without waiting, as a bot's calls arrive: the answer after the write-ahead, the account changing between.
    const first = ledger.write(order, paperAccountWrite(sub, account as never));
    account.balances.USDT = 50;
    const second = ledger.write({ ...order, exchange_order_id: '42', status: 'closed', price: 10 }, paperAccountWrite(sub, account as never));
    account.balances.USDT = 1;
    await Promise.all([first, second]);
    const row = await connection.db.selectFrom('orders').selectAll().where('client_order_id', '=', order.client_order_id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ exchange_order_id: '42', status: 'closed', price: 10, run_id: runId });
    const paper = await connection.db.selectFrom('paper_accounts').select('balances').where('subscription_id', '=', sub).executeTakeFirstOrThrow();
    expect(JSON.parse(paper.balances)).toEqual({ USDT: 50 });
    await OrderLedger.settle(connection.db, sub, { exchangeOrderId: '42' }, 'canceled');
    expect((await connection.db.selectFrom('orders').select(['status', 'price']).where('client_order_id', '=', order.client_order_id).executeTakeFirstOrThrow())).toEqual({ status: 'canceled', price: 10 });
  });
});

