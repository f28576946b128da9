// Where the OS sandbox cannot be had (here: bwrap pointed at a missing file with BOTCTL_SANDBOX_BWRAP, the one
// setting botd reads for it): botd says so at start with the reason and the fix, refuses uploaded bots unless
// the operator passed --allow-unsandboxed-custom-bots, still runs templates with a warning, and `botctl doctor`
// reports which layers are in force. Only well-behaved bots run here, since only Node's permission model holds.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/db/schema.js';
import { detectCgroups } from '../../src/sandbox/cgroup-detect.js';
import { osSandbox } from '../../src/sandbox/os-sandbox.js';
import { startBotd, type Botd } from '../daemon/botd.js';
import { addBot, addSubscription, until } from '../daemon/helpers.js';
import { botctl } from '../support/cli.js';
import { useTemporaryDatabase } from '../support/database.js';

const missing = { BOTCTL_SANDBOX_BWRAP: '/nonexistent/bwrap' };
const counter = fileURLToPath(new URL('../fixtures/custom/counter_bot.ts', import.meta.url));
const temp = useTemporaryDatabase();
const daemons: Botd[] = [];
afterAll(async () => {
  for (const botd of daemons) botd.kill('SIGTERM');
  await Promise.all(daemons.map((botd) => botd.exit));
});

function finishedRuns(subscriptionId: number): Promise<Run[]> {
  return temp.db.selectFrom('runs').selectAll().where('subscription_id', '=', subscriptionId).where('status', 'not in', ['running', 'skipped']).orderBy('id').execute();
}

async function stop(botd: Botd): Promise<void> {
  botd.kill('SIGTERM');
  expect((await botd.exit).exitCode).toBe(0);
}

describe('without the OS sandbox', () => {
  let customBot = 0;

  it('refuses to load an uploaded bot in botctl, unless told by name to accept the risk', async () => {
    const refused = await botctl(temp.home, ['upload', counter, '--name', 'counter'], { env: missing });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('custom bots run only inside the OS sandbox');
    expect(refused.stderr).toContain('BOTCTL_SANDBOX_BWRAP names /nonexistent/bwrap');
    expect(await temp.db.selectFrom('bots').selectAll().execute()).toEqual([]);
    const accepted = await botctl(temp.home, ['upload', counter, '--name', 'counter', '--json'], { env: { ...missing, BOTCTL_ALLOW_UNSANDBOXED_CUSTOM_BOTS: '1' } });
    expect(accepted.exitCode, accepted.stderr).toBe(0);
    customBot = (accepted.json as { id: number }).id;
  });

  it('botd says why at start, refuses uploaded bots and runs templates with a warning', async () => {
    // Deadlines that only catch a hang: the default (0.8 of the 2 s period) is shorter than a child's start under load.
    const custom = await addSubscription(temp.db, customBot, { schedule: '*/2 * * * * *', timeoutMs: 60_000 });
    const template = await addSubscription(temp.db, await addBot(temp.db, 'counter'), { schedule: '*/2 * * * * *', timeoutMs: 60_000 });
    const botd = startBotd(temp.home, ['--max-failures', '1000'], missing);
    daemons.push(botd);
    const line = await botd.waitFor('the sandbox line', (l) => l.msg === 'OS sandbox unavailable');
    expect(line).toMatchObject({ level: 'warn', reason: expect.stringContaining('/nonexistent/bwrap') as string, custom_bots: expect.stringContaining('refused') as string });
    expect(String(line.fix)).toContain('BOTCTL_SANDBOX_BWRAP');
    const [refused] = await until('a custom run', async () => (await finishedRuns(custom))[0] && finishedRuns(custom));
    expect(refused?.status).toBe('crashed');
    expect(refused?.error).toContain('custom bots run only inside the OS sandbox');
    expect(refused?.error).toContain('--allow-unsandboxed-custom-bots');
    const [ran] = await until('a template run', async () => (await finishedRuns(template))[0] && finishedRuns(template));
    expect(ran?.status).toBe('succeeded');
    expect(ran?.log_tail).toContain('[botd] warning: this child runs without the OS sandbox');
    await stop(botd);
  });

  it('botd runs uploaded bots with --allow-unsandboxed-custom-bots, with a warning in each run', async () => {
    const sub = await addSubscription(temp.db, customBot, { schedule: '*/2 * * * * *', timeoutMs: 60_000 });
    const botd = startBotd(temp.home, ['--max-failures', '1000', '--allow-unsandboxed-custom-bots'], missing);
    daemons.push(botd);
    const line = await botd.waitFor('the sandbox line', (l) => l.msg === 'OS sandbox unavailable');
    expect(line.custom_bots).toContain('WITHOUT the OS sandbox');
    const [ran] = await until('a custom run', async () => (await finishedRuns(sub))[0] && finishedRuns(sub));
    expect(ran?.status).toBe('succeeded');
    expect(ran?.log_tail).toContain('[botd] warning: this child runs without the OS sandbox');
    await stop(botd);
  });

  it('botctl doctor reports the layers in force, and fails while the OS sandbox is missing', async () => {
    const degraded = await botctl(temp.home, ['doctor', '--json'], { env: missing });
    expect(degraded.exitCode).toBe(1);
    expect(degraded.json).toMatchObject({
      ok: false,
      sandbox: { os_sandbox: { in_force: false, reason: expect.stringContaining('/nonexistent/bwrap') as string }, custom_bots: 'refused (no OS sandbox)' },
    });
    const human = await botctl(temp.home, ['doctor'], { env: missing });
    expect(human.stdout).toMatch(/OS sandbox\s+NOT IN FORCE: BOTCTL_SANDBOX_BWRAP names \/nonexistent\/bwrap/);
    if (!osSandbox().available) return;
    const whole = await botctl(temp.home, ['doctor', '--json']);
    expect(whole.exitCode, whole.stdout).toBe(0);
    // The memory layer as this process finds it (src/sandbox/cgroup-detect.ts): a cgroup's budget, else RLIMIT_AS alone.
    const found = detectCgroups();
    const layer = found.kind === 'none' ? 'RLIMIT_AS only' : `cgroup ${found.kind}`;
    const cap = found.kind === 'none' ? /^RLIMIT_AS \d+ MB per child/ : new RegExp(`^cgroup ${found.kind}: 512 MB resident and 64 tasks per child at the default 256 MB heap cap; RLIMIT_AS 1536 MB as well$`);
    expect(whole.json).toMatchObject({ ok: true, sandbox: { os_sandbox: { in_force: true }, custom_bots: 'run inside both walls', memory_cap: expect.stringMatching(cap) as string, memory_layer: { layer } } });
  });
});
