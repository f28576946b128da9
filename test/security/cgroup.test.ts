// The cgroup layer (src/sandbox/cgroup-*.ts, run-cgroup.ts) with real processes: each bot child of the real botd
// runs in a cgroup of its own with the memory budget and the task cap, removed after it; a bot holding Buffers past
// the budget is killed by the kernel and its run says why while botd and another tenant carry on; a thread bomb
// stops at the task cap; leftovers of a botd that is gone are removed at the next start.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/db/schema.js';
import { defaultHeapMb } from '../../src/daemon/defaults.js';
import { cgroupLayer, processPrefix } from '../../src/sandbox/cgroup-claim.js';
import { detectCgroups } from '../../src/sandbox/cgroup-detect.js';
import { launcherPrefix } from '../../src/sandbox/launcher.js';
import { residentBudgetBytes } from '../../src/sandbox/memory-limit.js';
import { createRunCgroup, taskLimit } from '../../src/sandbox/run-cgroup.js';
import { startBotd, type Botd } from '../daemon/botd.js';
import { addSubscription, alive, until } from '../daemon/helpers.js';
import { botctl } from '../support/cli.js';
import { useTemporaryDatabase } from '../support/database.js';

const found = detectCgroups();
// In CI (root on a cgroup v1 host, or a delegated v2 service) the layer must be there: these tests run, never skip.
// A heap cap whose RLIMIT_AS (1 GiB + 2 × heap) no test process comes near: 2 TiB.
const unboundedHeapMb = 1024 * 1024;
const skip = found.kind === 'none' && process.env.CI !== 'true';
if (skip && found.kind === 'none') process.stderr.write(`[cgroup.test] skipped: no cgroup layer here (${found.why})\n`);

const temp = useTemporaryDatabase();
const heapMb = 256;
const subs: Record<string, number> = {};
let botd: Botd;
/** A leftover of a botd that is gone, made before botd starts: pid 2^22 + 1 is above any pid_max. */
const deadPid = 4_194_305;
let leftover = '';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));

async function upload(file: string, name: string): Promise<number> {
  const r = await botctl(temp.home, ['upload', file, '--name', name, '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return (r.json as { id: number }).id;
}

function runsOf(name: string, finished = true): Promise<Run[]> {
  let query = temp.db.selectFrom('runs').selectAll().where('subscription_id', '=', subs[name]!);
  if (finished) query = query.where('status', 'not in', ['running', 'skipped']);
  return query.orderBy('id').execute();
}

/** The cgroup directories of a process, by controller ('' for v2), from /proc/<pid>/cgroup. */
function cgroupsOf(pid: number): Record<string, string> {
  const dirs: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
    const [, controllers = '', path = ''] = line.split(':');
    for (const controller of controllers.split(',')) dirs[controller] = path;
  }
  return dirs;
}

describe.skipIf(skip)('the cgroup layer', () => {
  beforeAll(async () => {
    // The parent this very process would use: where botd (a child of it) makes its own, for v1 and for v2 alike.
    const base = found.kind === 'v2' ? found.own : found.kind === 'v1' ? found.memory : '';
    leftover = join(base, `${processPrefix}${deadPid}`);
    mkdirSync(join(leftover, 'run-7'), { recursive: true });
    subs.slow = await addSubscription(temp.db, await upload(fixture('bots/slow.ts'), 'slow'), { schedule: '*/2 * * * * *', config: { ms: 6_000 }, timeoutMs: 60_000 });
    subs.buffers = await addSubscription(temp.db, await upload(fixture('attack/buffers.ts'), 'buffers'), { schedule: '*/2 * * * * *', timeoutMs: 60_000 });
    subs.counter = await addSubscription(temp.db, await upload(fixture('custom/counter_bot.ts'), 'counter'), { schedule: '*/2 * * * * *', timeoutMs: 60_000 });
    botd = startBotd(temp.home, ['--heap-mb', String(heapMb), '--concurrency', '4', '--max-failures', '1000']);
    await botd.waitFor('its start', (line) => line.msg === 'botd started');
  }, 180_000);

  afterAll(async () => {
    botd?.kill('SIGTERM');
    await botd?.exit;
  });

  it('botd names the layer at start, and removes what a botd that is gone left behind', async () => {
    const line = await botd.waitFor('the memory layer line', (l) => l.msg === 'memory layer in force');
    expect(line.layer).toBe(`cgroup ${found.kind}`);
    expect(line.cap).toContain(`${residentBudgetBytes(heapMb) / 1024 / 1024} MB resident and ${taskLimit} tasks per child`);
    expect(existsSync(leftover)).toBe(false);
  });

  it('puts each bot child in a cgroup of its own, with the memory budget and the task cap, removed after it', async () => {
    const running = await until('a running child of slow', async () => (await runsOf('slow', false)).find((r) => r.status === 'running' && r.child_pid !== null), 60_000);
    const pid = running.child_pid!;
    // The launcher joins its cgroup as its first act, which may still be under way when the row names the child.
    const runCgroup = new RegExp(`/${processPrefix}${botd.pid}/run-\\d+$`);
    const dirs = await until('the child to join its run cgroup', () => {
      const now = cgroupsOf(pid);
      const joined = found.kind === 'v2' ? [now['']] : [now.memory, now.pids];
      return joined.every((dir) => runCgroup.test(dir ?? '')) ? now : undefined;
    }, 30_000);
    const memory = found.kind === 'v2' ? join('/sys/fs/cgroup', dirs['']!) : join('/sys/fs/cgroup/memory', dirs.memory!);
    const pids = found.kind === 'v2' ? memory : join('/sys/fs/cgroup/pids', dirs.pids!);
    expect(pids).toMatch(runCgroup);
    const limit = readFileSync(join(memory, found.kind === 'v2' ? 'memory.max' : 'memory.limit_in_bytes'), 'utf8').trim();
    expect(Number(limit)).toBe(residentBudgetBytes(heapMb));
    expect(readFileSync(join(pids, 'pids.max'), 'utf8').trim()).toBe(String(taskLimit));
    // Every process of the sandbox comes to be in it (bwrap, and Node as pid 1's child in its namespace). The row
    // names the child as soon as it is spawned, when the launcher has joined but bwrap may not have forked yet.
    await until('bwrap and its Node both in the run cgroup', () => readFileSync(join(memory, 'cgroup.procs'), 'utf8').trim().split('\n').length >= 2 || undefined, 30_000);
    await until('that run to finish', async () => (await runsOf('slow')).find((r) => r.id === running.id), 60_000);
    await until('its cgroup to be removed', () => !existsSync(memory) && !existsSync(pids), 10_000);
  });

  it('kills a bot holding Buffers past its budget, and the run says why; botd and another tenant carry on', async () => {
    const [run] = await until('a finished run of buffers', async () => (await runsOf('buffers'))[0] && runsOf('buffers'), 90_000);
    const budgetMb = residentBudgetBytes(heapMb) / 1024 / 1024;
    // Whichever cap binds first stops it, and the run says which. On Node 20 the cgroup does (RLIMIT_AS would let
    // about 512 MB through); Node 24 reserves 1.25 GB of address space at start (0.73 GB on 20), so there RLIMIT_AS
    // refuses an allocation inside the bot first, below the budget.
    if (run!.status === 'crashed') {
      expect(run!.error).toBe(`out of memory: killed by the kernel: the child reached its memory budget of ${budgetMb} MB (heap and everything outside it; cgroup ${found.kind})`);
    } else {
      expect(run!.status).toBe('failed');
      const held = Number(/^held (\d+) MiB, then RangeError: /.exec(run!.error ?? '')?.[1]);
      expect(held).toBeLessThan(budgetMb);
    }
    const after = await until('a counter run after it', async () => (await runsOf('counter')).find((r) => r.id > run!.id), 60_000);
    expect(after.status).toBe('succeeded');
    expect(alive(botd.pid)).toBe(true);
    expect(botd.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('says so when the kernel kills a backtest child for its budget, rather than a bare SIGKILL', async () => {
    // Five synthetic 1m candles are all a backtest of the Buffers bot needs: it never reads them.
    const t0 = Date.UTC(2024, 0, 1);
    const csv = join(temp.home, 'five-minutes.csv');
    writeFileSync(csv, `time,open,high,low,close,volume\n${[0, 1, 2, 3, 4].map((i) => `${new Date(t0 + i * 60_000).toISOString()},100,101,99,100,1`).join('\n')}\n`);
    const imported = await botctl(temp.home, ['data', 'import', csv, '--exchange', 'binance', '--pair', 'BTC/USDT', '--json']);
    expect(imported.exitCode, imported.stderr).toBe(0);
    const r = await botctl(temp.home, ['backtest', 'buffers', '--pair', 'BTC/USDT', '--from', new Date(t0).toISOString(), '--to', new Date(t0 + 3 * 60_000).toISOString(), '--every', '1m', '--json']);
    const budgetMb = residentBudgetBytes(defaultHeapMb) / 1024 / 1024;
    // As for a run (above): on Node 24 RLIMIT_AS refuses an allocation inside the bot first, and each slot fails.
    if (r.exitCode === 0) {
      expect((r.json as { failures: { error: string }[] }).failures[0]?.error).toMatch(/^held \d+ MiB, then RangeError: /);
    } else {
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`The backtest's child was killed by the kernel: the child reached its memory budget of ${budgetMb} MB`);
    }
  });

  it('says when the kernel killed a child for its budget (Buffers, real Node in a real cgroup through the launcher)', async () => {
    const layer = cgroupLayer();
    if (layer.kind === 'none') throw new Error(`no cgroup layer in the test process: ${layer.why}`);
    const cgroup = createRunCgroup(layer, 64);
    // The launcher's RLIMIT_AS for a huge heap cap: only the cgroup's 320 MB can bind.
    const [shell, ...launcher] = launcherPrefix({ procs: cgroup.procs, heapMb: unboundedHeapMb });
    const hog = 'const held = []; for (let i = 0; i < 64; i++) held.push(Buffer.alloc(16 * 1024 * 1024, 1)); console.log(held.length);';
    const child = spawn(shell!, [...launcher, process.execPath, '-e', hog], { stdio: 'ignore' });
    const signal = await new Promise<string | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    expect(cgroup.release()).toBe(`killed by the kernel: the child reached its memory budget of ${residentBudgetBytes(64) / 1024 / 1024} MB (heap and everything outside it; cgroup ${layer.kind})`);
    await until('its cgroup to be removed', () => cgroup.dirs.every((dir) => !existsSync(dir)), 10_000);
  });

  it('stops a thread bomb at the task cap (worker threads, as a bot may start none under the permission model)', async () => {
    const layer = cgroupLayer();
    if (layer.kind === 'none') throw new Error(`no cgroup layer in the test process: ${layer.why}`);
    // A budget large enough that only the task cap binds (each worker has a heap of its own, and reserves address
    // space: the launcher's RLIMIT_AS is for a huge heap cap).
    const cgroup = createRunCgroup(layer, 2048);
    // Real Node, in the cgroup through the same launcher a bot child gets, without Node's permission model.
    const bomb = `const { Worker } = require('node:worker_threads'); let online = 0, refused;
      for (let i = 0; i < 200; i++) { try { const w = new Worker('setTimeout(() => {}, 4000)', { eval: true });
        w.on('online', () => online++); w.on('error', (e) => { refused ??= e.code; }); } catch (e) { refused ??= e.code; break; } }
      setTimeout(() => { console.log(JSON.stringify({ online, refused })); process.exit(0); }, 3000);`;
    const [shell, ...launcher] = launcherPrefix({ procs: cgroup.procs, heapMb: unboundedHeapMb });
    const child = spawn(shell!, [...launcher, process.execPath, '-e', bomb], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(cgroup.release()).toBeUndefined();
    expect(code).toBe(0);
    const result = JSON.parse(out) as { online: number; refused?: string };
    expect(result.online).toBeLessThan(taskLimit);
    expect(result.refused).toBe('ERR_WORKER_INIT_FAILED');
  });
});
