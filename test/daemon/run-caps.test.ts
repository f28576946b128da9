// Per-run caps on what a bot leaves in the ledger (issue #9, item 7), with real sandboxed children: signals
// (count and bytes), error text and state; each run says in its own row that a cap was hit. The log tail's
// own bound is tested in runner.test.ts (100 MB of output).
import { beforeAll, describe, expect, it } from 'vitest';
import { runExecution, type RunnerOptions, type RunReport } from '../../src/daemon/runner.js';
import { maxErrorChars, maxSignalBytesPerRun } from '../../src/daemon/run-caps.js';
import { useTemporaryDatabase } from '../support/database.js';
import { addBot, addSubscription, fixtureBots, runsOf } from './helpers.js';

process.env.BOTCTL_BOT_FILES = fixtureBots;

const temp = useTemporaryDatabase();
let options: RunnerOptions;

beforeAll(() => {
  options = { home: temp.home, connection: temp.connection, killGraceMs: 300 };
});

async function run(what: string): Promise<RunReport> {
  const sub = await addSubscription(temp.db, await addBot(temp.db, 'oversized'), { config: { what }, timeoutMs: 60_000 });
  return runExecution(options, { subscriptionId: sub, scheduledFor: new Date().toISOString(), requireEnabled: true });
}

describe('per-run caps', () => {
  it('keeps the first signals up to 256 KiB and records how many were dropped', async () => {
    const report = await run('signals');
    expect(report.status).toBe('succeeded');
    const signals = await temp.db.selectFrom('signals').select('payload').where('subscription_id', '=', report.subscriptionId).orderBy('id').execute();
    const bytes = signals.reduce((sum, s) => sum + Buffer.byteLength(s.payload), 0);
    expect(bytes).toBeLessThanOrEqual(maxSignalBytesPerRun);
    expect(signals.length).toBeGreaterThan(200);
    expect(JSON.parse(signals[0]!.payload)).toMatchObject({ action: 'hold', reason: expect.stringMatching(/^0 s+$/) });
    const [row] = await runsOf(temp.db, report.subscriptionId);
    expect(row?.log_tail?.trimEnd().split('\n').at(-1)).toBe(
      `[botd] cap hit: ${2000 - signals.length} signals dropped (a run keeps at most 1000 signals and 256 KiB of them)`,
    );
  });

  it('cuts a huge error message in runs.error and says so', async () => {
    const report = await run('error');
    expect(report.status).toBe('failed');
    const [row] = await runsOf(temp.db, report.subscriptionId);
    expect(row?.error).toMatch(/^boom e+… \[cap hit: \d+ more characters cut by botd\]$/);
    expect(row?.error?.length).toBeLessThan(maxErrorChars + 100);
    expect(row?.error).toBe(report.error);
  });

  it('fails a run whose state is over the cap, keeping the previous state', async () => {
    const report = await run('state');
    expect(report).toMatchObject({ status: 'failed', error: expect.stringMatching(/^the bot's state is \d+ bytes, more than the 524288 a run may keep$/) });
    expect(await temp.db.selectFrom('bot_state').selectAll().where('subscription_id', '=', report.subscriptionId).execute()).toEqual([]);
  });
});
