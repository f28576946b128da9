// The message channel between botd and a bot's child is bounded: whatever a bot writes to it (directly to
// fd 3, past the runtime: the sandbox does not check writes to an inherited descriptor), botd's memory stays
// flat, the bot is stopped with all its processes, and the run says why. Real sandboxed children throughout.
import { beforeAll, describe, expect, it } from 'vitest';
import { groupAlive } from '../../src/daemon/process-group.js';
import { maxExchangeCallsPerRun, runExecution, type RunnerOptions, type RunReport } from '../../src/daemon/runner.js';
import type { ExchangeSessionFactory } from '../../src/broker/session.js';
import { useTemporaryDatabase } from '../support/database.js';
import { addBot, addSubscription, alive, fixtureBots, runsOf } from './helpers.js';

process.env.BOTCTL_BOT_FILES = fixtureBots;

const temp = useTemporaryDatabase();
let options: RunnerOptions;

beforeAll(async () => {
  options = { home: temp.home, connection: temp.connection, killGraceMs: 300 };
  // Bundle the flooding bot and start a first child, so only the flood itself is measured below.
  const warm = await addSubscription(temp.db, await addBot(temp.db, 'floods-ipc'), { config: { mode: 'huge', mb: 2 } });
  await runExecution(options, { subscriptionId: warm, scheduledFor: new Date().toISOString(), requireEnabled: true });
});

const slot = () => new Date().toISOString();

/** Runs one flooding bot, sampling botd's resident memory (this process) every 5 ms. */
async function flood(config: unknown): Promise<{ report: RunReport; growth: number; childPid: number }> {
  const sub = await addSubscription(temp.db, await addBot(temp.db, 'floods-ipc'), { config, timeoutMs: 60_000 });
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  let childPid = 0;
  try {
    const report = await runExecution(options, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true, onSpawn: (pid) => (childPid = pid) });
    return { report, growth: peak - before, childPid };
  } finally {
    clearInterval(sampler);
  }
}

const mb = 1024 * 1024;

describe('the message channel between botd and a bot', () => {
  it('stops a bot that sends one 200 MB message at 1 MiB, without botd growing', async () => {
    const { report, growth, childPid } = await flood({ mode: 'huge', mb: 200 });
    expect(report).toMatchObject({ status: 'failed', error: "the bot sent an IPC message over 1 MiB (botd's limit)" });
    const [run] = await runsOf(temp.db, report.subscriptionId);
    expect(run?.log_tail).toContain("[botd] the bot sent an IPC message over 1 MiB (botd's limit): the bot was stopped");
    // Buffering the message would take 200 MB; botd held at most the limit and a read.
    expect(growth).toBeLessThan(64 * mb);
    expect(alive(childPid)).toBe(false);
    expect(groupAlive(childPid)).toBe(false);
  });

  it('stops a bot that sends an endless stream of small messages', async () => {
    const { report, growth, childPid } = await flood({ mode: 'messages' });
    expect(report).toMatchObject({ status: 'failed', error: "the bot sent more than 100000 IPC messages in one run (botd's limit)" });
    expect(growth).toBeLessThan(64 * mb);
    expect(alive(childPid)).toBe(false);
    expect(groupAlive(childPid)).toBe(false);
  });

  it('stops a bot that sends an endless stream of large messages, each under the limit', async () => {
    const { report, growth, childPid } = await flood({ mode: 'bytes' });
    expect(report).toMatchObject({ status: 'failed', error: "the bot sent more than 64 MiB of IPC messages in one run (botd's limit)" });
    expect(growth).toBeLessThan(64 * mb);
    expect(alive(childPid)).toBe(false);
    expect(groupAlive(childPid)).toBe(false);
  });

  it('serves many concurrent exchange calls, at most 16 at a time, and answers every one', async () => {
    let running = 0;
    let most = 0;
    const sessions: ExchangeSessionFactory = async () => ({
      async call() {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return { last: 1 };
      },
      orders: () => [],
    });
    const sub = await addSubscription(temp.db, await addBot(temp.db, 'calls'), { config: { count: 200, parallel: 200 } });
    const report = await runExecution({ ...options, exchangeSessions: sessions }, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(report.status).toBe('succeeded');
    const [run] = await runsOf(temp.db, sub);
    expect(run?.log_tail).toContain('answered 200 refused 0');
    expect(most).toBe(16);
  });

  it(`refuses exchange calls past ${maxExchangeCallsPerRun} in one run, in the bot`, async () => {
    let served = 0;
    const sessions: ExchangeSessionFactory = async () => ({ call: async () => (served++, { last: 1 }), orders: () => [] });
    const sub = await addSubscription(temp.db, await addBot(temp.db, 'calls'), { config: { count: maxExchangeCallsPerRun + 5, parallel: 100 } });
    const report = await runExecution({ ...options, exchangeSessions: sessions }, { subscriptionId: sub, scheduledFor: slot(), requireEnabled: true });
    expect(report.status).toBe('succeeded');
    expect(served).toBe(maxExchangeCallsPerRun);
    const [run] = await runsOf(temp.db, sub);
    expect(run?.log_tail).toContain(
      `answered ${maxExchangeCallsPerRun} refused 5 ExchangeError: ctx.exchange.fetchTicker() refused: botd serves at most ${maxExchangeCallsPerRun} exchange calls per run`,
    );
  });
});
