import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '../../src/daemon/log.js';
import { runExecution, type RunnerOptions } from '../../src/daemon/runner.js';
import { useTemporaryDatabase } from '../support/database.js';
import type { ExchangeSessionFactory } from '../../src/broker/session.js';
import { alive, addBot, addSubscription, fixtureBots, runsOf, until } from './helpers.js';

process.env.BOTCTL_BOT_FILES = fixtureBots;

const temp = useTemporaryDatabase();
let options: RunnerOptions;

beforeAll(async () => {
  options = { home: temp.home, connection: temp.connection, killGraceMs: 300 };
});

const slot = () => new Date().toISOString();

describe('runner', () => {
  it('runs a bot, keeps its state between runs and records the code it ran', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'counter'), { config: { step: 2 } });
    const first = await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(first).toMatchObject({ status: 'succeeded', error: null });
    const second = await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(second.status).toBe('succeeded');
    const state = await db.selectFrom('bot_state').selectAll().where('subscription_id', '=', sub).executeTakeFirstOrThrow();
    expect(JSON.parse(state.state)).toEqual({ count: 4 });
    const runs = await runsOf(db, sub);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(runs[0]?.code_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(runs[1]?.log_tail).toContain('INFO count is 4');
    const signals = await db.selectFrom('signals').selectAll().where('subscription_id', '=', sub).execute();
    expect(signals.map((s) => s.action)).toEqual(['hold', 'hold']);
  });

  it('records a bot that throws as failed with its message, and keeps the old state', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'throws'));
    const report = await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(report).toMatchObject({ status: 'failed', error: 'boom: the strategy gave up' });
    const [run] = await runsOf(db, sub);
    expect(run?.log_tail).toContain('about to throw');
    expect(await db.selectFrom('bot_state').selectAll().where('subscription_id', '=', sub).executeTakeFirst()).toBeUndefined();
  });

  it('ends a bot the moment it reports: a timer or exit handler it left behind never runs', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'lingers'));
    let childPid = 0;
    const report = await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true, onSpawn: (pid) => (childPid = pid) });
    expect(report).toMatchObject({ status: 'succeeded', error: null });
    const [run] = await runsOf(db, sub);
    expect(run?.log_tail).toContain('returning now');
    expect(run?.log_tail).not.toContain('after the result');
    // What ended it is recorded as it happened: botd's SIGKILL, not an exit of its own.
    expect(run).toMatchObject({ exit_code: null, signal: 'SIGKILL' });
    expect(alive(childPid)).toBe(false);
  });

  it('ends a bot the moment it reports: an exit handler it left, with nothing else keeping it alive, never runs', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'exit-only'));
    const report = await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(report).toMatchObject({ status: 'succeeded', error: null });
    const [run] = await runsOf(db, sub);
    expect(run?.log_tail).toContain('returning now');
    expect(run?.log_tail).not.toContain('after the result');
  });

  it('records an invalid config as failed, naming the field', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'counter'), { config: { step: 'two' } });
    const report = await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/config is invalid[\s\S]*step/);
  });

  it('records a bot that runs out of heap as crashed', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'out-of-heap'));
    const report = await runExecution({ ...options, heapMb: 48 }, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(report.status).toBe('crashed');
    expect(report.error).toContain('out of memory');
    const [run] = await runsOf(db, sub);
    expect(run?.signal ?? String(run?.exit_code)).toMatch(/SIGABRT|134/);
  });

  it('times out a bot that ignores SIGTERM: SIGKILL to its process group leaves no process behind', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'stubborn'), { timeoutMs: 1_500 });
    let childPid = 0;
    const report = await runExecution(
      // Unsandboxed: inside the sandbox the bot could not spawn its `sleep` at all.
      { ...options, sandbox: false },
      { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true, onSpawn: (pid) => (childPid = pid) },
    );
    expect(report.status).toBe('timed_out');
    expect(report.error).toContain('SIGKILL');
    const [run] = await runsOf(db, sub);
    const sleepPid = Number(/sleep pid (\d+)/.exec(run?.log_tail ?? '')?.[1]);
    expect(sleepPid).toBeGreaterThan(0);
    expect(run?.log_tail).toContain('SIGTERM ignored');
    expect(run?.child_pid).toBe(childPid);
    expect(alive(childPid)).toBe(false);
    expect(alive(sleepPid)).toBe(false);
  });

  it('keeps a bounded tail of 100 MB of output without the daemon growing', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'loud'), { config: { mb: 100 } });
    // Warm up (bundle, first spawn), so only the output itself is measured.
    const warm = await addSubscription(db, await addBot(db, 'loud'), { config: { mb: 1 } });
    await runExecution(options, { subscriptionId: warm, scheduledFor: slot(), requireEnabled: true });
    // What this process holds (JavaScript heap and Buffers), measured after a full collection every 20 ms while
    // the output streams through: garbage not yet collected is not holding (its amount depends on the GC's
    // timing, which differs between Node 20 and 24 and with the machine's load), output kept would be.
    const gc = fullCollection();
    const held = () => {
      gc();
      const { heapUsed, external } = process.memoryUsage();
      return heapUsed + external;
    };
    const before = held();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, held())), 20);
    const report = await runExecution({ ...options, logTailBytes: 64 * 1024 }, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    clearInterval(sampler);
    expect(report.status).toBe('succeeded');
    const [run] = await runsOf(db, sub);
    expect(run?.log_tail?.length).toBeLessThan(64 * 1024 + 100);
    expect(run?.log_tail).toMatch(/earlier bytes dropped/);
    expect(run?.log_tail?.slice(-300)).toMatch(/the last line\n$/);
    // 100 MB went through the daemon and it never held more than a few pipe reads of it: keeping the output would
    // take at least 100 MB.
    expect(peak - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses exchange calls when no broker is configured, and surfaces that in the bot', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'exchange'));
    const report = await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/^ExchangeNotAvailable: .*fetchTicker.*no exchange broker configured/);
  });

  it('serves exchange calls through the session and hands the bot its answers', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'exchange'));
    const calls: string[] = [];
    const sessions: ExchangeSessionFactory = async () => ({
      async call(method, args) {
        calls.push(`${method}(${JSON.stringify(args)})`);
        if (method === 'fetchTicker') return { symbol: args[0], last: 101.5 };
        return { id: 'x1', status: 'closed' };
      },
      orders: () => [],
    });
    const report = await runExecution({ ...options, exchangeSessions: sessions }, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(report.status).toBe('succeeded');
    expect(calls).toEqual(['fetchTicker(["BTC/USDT:USDT"])', 'createOrder(["BTC/USDT:USDT","market","buy",0.01])']);
    const [run] = await runsOf(db, sub);
    expect(run?.log_tail).toContain('last price 101.5');
  });

  it('pauses a subscription after N consecutive failures, with the reason', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'throws'));
    for (let i = 0; i < 3; i++) {
      const report = await runExecution({ ...options, maxConsecutiveFailures: 3 }, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
      expect(report.status).toBe('failed');
      expect(report.pausedReason === null).toBe(i < 2);
    }
    const row = await db.selectFrom('subscriptions').selectAll().where('id', '=', sub).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ enabled: 0, consecutive_failures: 3 });
    expect(row.paused_reason).toBe('paused by botd after 3 consecutive failed runs (last: failed: boom: the strategy gave up)');
    // Paused: botd's next tick does not run it.
    const next = await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(next.status).toBe('not_run');
  });

  it('resets the failure streak when a run succeeds', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'counter'), { config: { step: 'bad' } });
    await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    await db.updateTable('subscriptions').set({ execution_config: '{}' }).where('id', '=', sub).execute();
    await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    const row = await db.selectFrom('subscriptions').select(['consecutive_failures', 'enabled']).where('id', '=', sub).executeTakeFirstOrThrow();
    expect(row).toEqual({ consecutive_failures: 0, enabled: 1 });
  });

  it('never runs a slot twice', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'noop'));
    const at = slot();
    const [a, b] = await Promise.all([
      runExecution(options, { subscriptionId: sub, scheduledFor: at, requireEnabled: true }),
      runExecution(options, { subscriptionId: sub, scheduledFor: at, requireEnabled: true }),
    ]);
    expect([a.status, b.status].sort()).toEqual(['not_run', 'succeeded']);
    expect(await runsOf(db, sub)).toHaveLength(1);
  });

  it('stops a running child on cancel (shutdown) and records it abandoned', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'hangs'), { timeoutMs: 60_000 });
    const cancel = new AbortController();
    let childPid = 0;
    const running = runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true, cancel: cancel.signal, onSpawn: (pid) => (childPid = pid) });
    await until('the child to start', () => childPid);
    cancel.abort();
    const report = await running;
    expect(report.status).toBe('abandoned');
    expect(report.error).toMatch(/botd stopped before the run finished/);
    expect(alive(childPid)).toBe(false);
  });

  it("gives the child a minimal environment and no access to the database or to other processes", async () => {
    const { db } = temp;
    process.env.BOTCTL_TEST_SECRET = 'must-not-leak';
    try {
      const sub = await addSubscription(db, await addBot(db, 'probe'), { config: { path: join(temp.home, 'botctl.db') } });
      const report = await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
      expect(report.status).toBe('succeeded');
      const [run] = await runsOf(db, sub);
      const env = JSON.parse(/env (\[.*\])/.exec(run?.log_tail ?? '')?.[1] ?? 'null') as string[];
      // Nothing of botd's environment arrives, nor Node's IPC channel (NODE_CHANNEL_FD): it is not opened.
      // bwrap sets PWD (to /, its working directory inside the sandbox) whatever it is given.
      expect(env.filter((name) => name !== 'PWD')).toEqual(['LANG', 'NODE_ENV', 'TZ']);
      expect(run?.log_tail).toContain('process.send: undefined, process.channel: undefined');
      expect(run?.log_tail).toContain('read: ERR_ACCESS_DENIED');
      expect(run?.log_tail).toContain('spawn: ERR_ACCESS_DENIED');
    } finally {
      delete process.env.BOTCTL_TEST_SECRET;
    }
  });

  it('records a sane outcome when the bot sends malformed messages', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'hostile'));
    const report = await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(report).toMatchObject({ status: 'failed', error: 'ProtocolError: the bot reported a malformed result: its state is not an object' });
    const [run] = await runsOf(db, sub);
    expect(run?.log_tail).toContain('process.send is undefined, process.channel is undefined');
    expect(run?.log_tail).toContain('a malformed signal was ignored');
    // Not JSON, and a log level that throws when made text: both ignored, botd unharmed.
    expect(run?.log_tail?.match(/a malformed IPC message was ignored/g)).toHaveLength(2);
    expect(await db.selectFrom('signals').selectAll().where('subscription_id', '=', sub).execute()).toEqual([]);
  });

  it('still closes the run when its outcome cannot be written in full', async () => {
    const { db } = temp;
    const sub = await addSubscription(db, await addBot(db, 'exchange'));
    // A session whose last write inside the finish transaction fails: the transaction is rolled back.
    const sessions: ExchangeSessionFactory = async () => ({
      call: async () => ({ last: 1 }),
      orders: () => [],
      commit: () => {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
    });
    const lines: string[] = [];
    const log = jsonLogger((line) => void lines.push(line));
    const report = await runExecution({ ...options, exchangeSessions: sessions, log }, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(report.status).toBe('failed');
    expect(report.error).toBe('botd could not record the outcome (succeeded): SQLITE_FULL: database or disk is full');
    // Never dropped silently: the outcome that could not be written is logged at error level.
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['level'] === 'error')).toMatchObject([
      { msg: 'run outcome could not be written', run_id: report.runId, outcome: 'succeeded', error: 'SQLITE_FULL: database or disk is full' },
    ]);
    const [run] = await runsOf(db, sub);
    expect(run?.status).toBe('failed');
  });
});

/** V8's full garbage collection, exposed at run time (the test runner starts workers without --expose-gc). */
function fullCollection(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
