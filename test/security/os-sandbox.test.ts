// Hostile custom bots, uploaded with the real botctl and run by the real botd inside both walls (Node's permission
// model and the OS sandbox, src/sandbox/): each attack fails inside the bot, its run records why, and botd and
// the other tenants' runs carry on. The attack bots are test/fixtures/attack/.
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/db/schema.js';
import { homePaths } from '../../src/home.js';
import { detectCgroups } from '../../src/sandbox/cgroup-detect.js';
import { osSandbox } from '../../src/sandbox/os-sandbox.js';
import { startBotd, type Botd } from '../daemon/botd.js';
import { addSubscription, alive, until } from '../daemon/helpers.js';
import { botctl } from '../support/cli.js';
import { useTemporaryDatabase } from '../support/database.js';
import { listeningPorts } from './listening-ports.js';

const sandbox = osSandbox();
const cgroup = detectCgroups();
// In CI the OS layer must be there (.ci/install-bubblewrap.sh): these tests run, never skip.
const skip = !sandbox.available && process.env.CI !== 'true';
if (skip) process.stderr.write(`[os-sandbox.test] skipped: ${sandbox.available ? '' : sandbox.reason}\n`);

const attack = (name: string) => fileURLToPath(new URL(`../fixtures/attack/${name}.ts`, import.meta.url));
const custom = (name: string) => fileURLToPath(new URL(`../fixtures/custom/${name}.ts`, import.meta.url));
const everyTwoSeconds = '*/2 * * * * *';

const temp = useTemporaryDatabase();
let botd: Botd;
let listener: Server;
let connections = 0;
let port = 0;
const subs: Record<string, number> = {};
let sibling: Run;

async function upload(file: string, name: string): Promise<number> {
  const r = await botctl(temp.home, ['upload', file, '--name', name, '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return (r.json as { id: number }).id;
}

async function subscribe(name: string, botId: number, config: unknown = {}): Promise<void> {
  // A generous timeout: the machine may be loaded, and each attack must end the way it ends, not by a timeout.
  subs[name] = await addSubscription(temp.db, botId, { schedule: everyTwoSeconds, config, timeoutMs: 60_000 });
}

function finishedRuns(name: string): Promise<Run[]> {
  return temp.db
    .selectFrom('runs')
    .selectAll()
    .where('subscription_id', '=', subs[name]!)
    .where('status', 'not in', ['running', 'skipped'])
    .orderBy('id')
    .execute();
}

const firstFinished = (name: string) => until(`a finished run of ${name}`, async () => (await finishedRuns(name))[0], 60_000);

describe.skipIf(skip)('the OS sandbox around custom bots under botd', () => {
  beforeAll(async () => {
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
    // What a bot would love to read: the master key exists whether or not keys were added.
    if (!existsSync(homePaths(temp.home).masterKey)) writeFileSync(homePaths(temp.home).masterKey, randomBytes(32).toString('base64'), { mode: 0o600 });
    const attacks = ['reads_secrets', 'signals', 'connects', 'buffers', 'internals'];
    const bots = Object.fromEntries(await Promise.all(attacks.map(async (name) => [name, await upload(attack(name), name)] as const)));
    await subscribe('counter', await upload(custom('counter_bot'), 'counter'));
    await subscribe('sibling', await upload(fileURLToPath(new URL('../fixtures/bots/slow.ts', import.meta.url)), 'sibling'), { ms: 15_000 });
    botd = startBotd(temp.home, ['--heap-mb', '256', '--concurrency', '8', '--max-failures', '1000'], { BOTCTL_TEST_SECRET: 'botd-secret-in-env' });
    await botd.waitFor('its start', (line) => line.msg === 'botd started');
    // A sibling run under way, whose pid the signalling bot is given.
    sibling = await until('a running sibling', async () =>
      temp.db.selectFrom('runs').selectAll().where('subscription_id', '=', subs.sibling!).where('status', '=', 'running').where('child_pid', 'is not', null).executeTakeFirst(),
    60_000);
    const { database, masterKey } = homePaths(temp.home);
    await subscribe('reads_secrets', bots.reads_secrets!, { paths: [database, `${database}-wal`, masterKey, `/proc/${botd.pid}/environ`, `/proc/${process.pid}/environ`] });
    await subscribe('signals', bots.signals!, { pids: [botd.pid, sibling.child_pid!, process.pid] });
    await subscribe('connects', bots.connects!, { port });
    await subscribe('buffers', bots.buffers!);
    await subscribe('internals', bots.internals!, { path: masterKey });
  }, 180_000);

  afterAll(async () => {
    botd?.kill('SIGTERM');
    await botd?.exit;
    await new Promise((resolve) => listener?.close(resolve));
  });

  it('reads nothing of the database, the master key or a parent process environment', async () => {
    const run = await firstFinished('reads_secrets');
    expect(run.status).toBe('failed');
    const { database, masterKey } = homePaths(temp.home);
    for (const path of [database, `${database}-wal`, masterKey, `/proc/${botd.pid}/environ`, `/proc/${process.pid}/environ`]) {
      expect(run.error).toContain(`${path}: ERR_ACCESS_DENIED`);
    }
    expect(run.error).not.toContain(': read');
    expect(run.log_tail).not.toContain('LEAKED');
  });

  it('signals nothing outside its own PID namespace: not botd, not a sibling, not the test, and kill(-1) reaches nobody', async () => {
    const run = await firstFinished('signals');
    expect(run.status).toBe('failed');
    for (const pid of [botd.pid, sibling.child_pid!, process.pid]) {
      for (const signal of ['SIGUSR1', 'SIGSTOP', 'SIGTERM', 'SIGKILL']) expect(run.error).toContain(`${signal} ${pid}: ESRCH`);
    }
    // Its parent there is the sandbox's own init (bwrap), which it may not signal either.
    expect(run.error).toMatch(/SIGKILL 1: (EPERM|sent)/);
    expect(run.error).toMatch(/SIGKILL -1: (ESRCH|sent)/);
    // It sees bwrap's init (1), itself and its own threads (kill() takes a thread id too), all numbered from 1 in its
    // namespace: nothing of the host's.
    const visible = (/visible pids: ([\d,]+)$/.exec(run.error ?? '')?.[1] ?? '').split(',').map(Number);
    expect(visible[0]).toBe(1);
    expect(Math.max(...visible)).toBeLessThan(64);
    expect(alive(botd.pid)).toBe(true);
    // SIGUSR1 opened no inspector in botd: it listens on nothing.
    expect(listeningPorts(botd.pid)).toEqual([]);
    expect(botd.lines.some((l) => /Debugger/.test(JSON.stringify(l)))).toBe(false);
    // The sibling it signalled finished its run as if nothing had happened.
    const siblingEnd = await until('the signalled sibling run to finish', async () => {
      const row = await temp.db.selectFrom('runs').selectAll().where('id', '=', sibling.id).executeTakeFirstOrThrow();
      return row.status === 'running' ? undefined : row;
    }, 60_000);
    expect(siblingEnd).toMatchObject({ status: 'succeeded', error: null });
  });

  it('reaches no loopback listener of the host', async () => {
    const run = await firstFinished('connects');
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(new RegExp(`connect 127\\.0\\.0\\.1:${port}: (ECONNREFUSED|ENETUNREACH|EADDRNOTAVAIL)`));
    expect(connections).toBe(0);
  });

  it('cannot hold 2 GiB of Buffers under a 256 MB heap cap', async () => {
    const run = await firstFinished('buffers');
    // Where botd has a cgroup to give (src/sandbox/cgroup-detect.ts), its resident budget binds first: the kernel
    // kills the child and the run says so. Elsewhere RLIMIT_AS refuses the allocation inside the bot.
    // (Node 24 reserves more address space at start than 20: there RLIMIT_AS still refuses first.)
    if (cgroup.kind !== 'none' && run.status === 'crashed') {
      expect(run.status).toBe('crashed');
      expect(run.error).toMatch(/^out of memory: killed by the kernel: the child reached its memory budget of 512 MB \(heap and everything outside it; cgroup v[12]\)$/);
      return;
    }
    expect(run.status).toBe('failed');
    // Node 20 and 22 say 'Array buffer allocation failed', Node 24 'Failed to allocate memory'.
    const held = Number(/held (\d+) MiB, then RangeError: (Array buffer allocation failed|Failed to allocate memory)/.exec(run.error ?? '')?.[1]);
    process.stderr.write(`[os-sandbox.test] a bot under a 256 MB heap cap held ${held} MiB of Buffers before the cap refused more\n`);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(1024);
  });

  it('finds no internals from a child started from the runtime snapshot', async () => {
    // The first runs start from the bundle while botd builds the snapshot; wait for one from the snapshot.
    const started = await botd.waitFor('a snapshot-started run of internals', (l) => l.msg === 'run started' && l.subscription_id === subs.internals && l.child_start === 'snapshot', 120_000);
    const run = await until('that run to finish', async () => (await finishedRuns('internals')).find((r) => r.id === started.run_id), 60_000);
    expect(run.status).toBe('failed');
    expect(run.error).toBe('no internals reachable');
    expect(run.log_tail).not.toMatch(/FOUND|LEAKED/);
    expect(run.log_tail).toContain('process.binding: Error ERR_ACCESS_DENIED');
    expect(run.log_tail).toContain('process.dlopen: Error ERR_DLOPEN_DISABLED');
  });

  it('keeps botd and the other tenants running after every attack', async () => {
    const attacks = ['reads_secrets', 'signals', 'connects', 'buffers', 'internals'];
    const last = Math.max(...(await Promise.all(attacks.map(async (name) => (await firstFinished(name)).id))));
    const after = await until('a counter run after the attacks', async () => (await finishedRuns('counter')).find((r) => r.id > last), 60_000);
    expect(after.status).toBe('succeeded');
    expect(alive(botd.pid)).toBe(true);
    expect(botd.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
