// botctl run, runs and logs, through the real bin/botctl.js.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../../src/db/open.js';
import { botctl } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';
import { addBot, addSubscription, fixtureBots } from './helpers.js';

let home: ReturnType<typeof temporaryHome>;
let connection: Connection;
const env = { BOTCTL_BOT_FILES: fixtureBots };

beforeAll(async () => {
  home = temporaryHome();
  connection = await openDatabase(home.home);
});
afterAll(async () => {
  await connection.close();
  home.remove();
});

interface RunRow {
  id: number;
  subscription_id: number;
  scheduled_for: string;
  status: string;
  duration_ms: number | null;
  code_sha256: string | null;
  error: string | null;
  log_tail: string | null;
}

describe('botctl run, runs, logs', () => {
  it('runs a subscription once in the foreground and prints the run row; exit 1 when the run did not succeed', async () => {
    const { db } = connection;
    const good = await addSubscription(db, await addBot(db, 'counter'));
    const bad = await addSubscription(db, await addBot(db, 'throws'), { enabled: false });

    const ok = await botctl(home.home, ['run', String(good), '--json'], { env });
    expect(ok.exitCode).toBe(0);
    expect(ok.json).toMatchObject({ subscription_id: good, status: 'succeeded', error: null, code_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((ok.json as RunRow).log_tail).toContain('count is 1');

    // A paused subscription runs too: the way to try a fix before `botctl resume`.
    const failed = await botctl(home.home, ['run', String(bad), '--json'], { env });
    expect(failed.exitCode).toBe(1);
    expect(failed.json).toMatchObject({ subscription_id: bad, status: 'failed', error: 'boom: the strategy gave up' });

    const human = await botctl(home.home, ['run', String(bad)], { env });
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toMatch(/status\s+failed/);
    expect(human.stdout).toContain(`next: botctl logs`);

    const missing = await botctl(home.home, ['run', '999', '--json'], { env });
    expect(missing.exitCode).toBe(2);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { code: 'not_found' } });
  });

  it('lists runs newest first, by subscription and with a limit, and shows one run with its output', async () => {
    const { db } = connection;
    const sub = await addSubscription(db, await addBot(db, 'counter'));
    for (let i = 0; i < 3; i++) expect((await botctl(home.home, ['run', String(sub)], { env })).exitCode).toBe(0);

    const listed = await botctl(home.home, ['runs', '--subscription', String(sub), '--limit', '2', '--json']);
    expect(listed.exitCode).toBe(0);
    const rows = listed.json as RunRow[];
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0] ?? {})).toEqual(expect.arrayContaining(['id', 'subscription_id', 'scheduled_for', 'status', 'duration_ms', 'code_sha256']));
    expect(rows.every((r) => r.subscription_id === sub && r.status === 'succeeded' && typeof r.duration_ms === 'number')).toBe(true);
    expect((rows[0]?.id ?? 0) > (rows[1]?.id ?? 0)).toBe(true);

    const logs = await botctl(home.home, ['logs', String(rows[0]?.id), '--json']);
    expect(logs.exitCode).toBe(0);
    expect((logs.json as RunRow).log_tail).toContain('count is 3');
    const text = await botctl(home.home, ['logs', String(rows[0]?.id)]);
    expect(text.stdout).toContain(`run ${rows[0]?.id} · subscription ${sub}`);
    expect(text.stdout).toContain('INFO count is 3');

    expect((await botctl(home.home, ['logs', '424242'])).exitCode).toBe(2);
    expect((await botctl(home.home, ['runs', '--limit', 'many'])).exitCode).toBe(2);
  });
});
