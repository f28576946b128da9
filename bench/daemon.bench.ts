// Item 10: botd's costs, each measured in this run against a baseline from this run.
//   1. a no-op bot's execution through the runner vs `node -e 0`: wall time and the child's peak RSS;
//   2. dispatch lag, scheduled time → execution begins (the child spawned, or for a child pre-warmed ahead of
//      its slot the start message sent: the 'run started' line's dispatch_lag_ms), at 10 due runs per second, in a real botd;
//   3. a real botd with 10,000 enabled subscriptions loaded: its RSS and idle CPU;
//   4. a cold start: a fresh home at 10 due runs/s, the first 100 runs' dispatch lag and how their children started.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { openSqlite, type SqliteConnection } from '../src/db/open.js';
import { childStartBuilds } from '../src/daemon/child-start.js';
import { silentLogger, type Logger } from '../src/daemon/log.js';
import { runExecution } from '../src/daemon/runner.js';
import { packageRoot } from '../src/package-root.js';
import type { BenchRow } from './index.js';

const executions = 41;
const dispatchSeconds = 12;
const dueRunsPerSecond = 10;
const loadedSubscriptions = 10_000;
const idleWindowMs = 10_000;

// A no-op bot that reports its own peak RSS when its work is done: botd ends a child as soon as it has reported
// (supervise.ts), so an exit handler would never run. The baseline reports at the same point, the end of its
// script, so the report costs both sides alike. fs is taken with process.getBuiltinModule: the bundler's
// allow-list is for bot authors.
const reportPeakRss = `process.getBuiltinModule('fs').writeSync(2, 'maxrss_kb=' + process.resourceUsage().maxRSS + '\\n')`;
export const noopBot = (topLevelAwait: boolean) => `import { defineBot } from 'botctl/sdk';
import { z } from 'zod';
${topLevelAwait ? 'await 0;\n' : ''}export default defineBot({ name: 'noop', description: 'does nothing', config: z.object({}), async execute() { ${reportPeakRss}; } });
`;
const baselineScript = reportPeakRss;

export async function run(): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'botd-bench-'));
  const templates = join(root, 'templates');
  mkdirSync(templates);
  writeFileSync(join(templates, 'bench_noop.ts'), noopBot(false));
  // The same bot with a top-level await, which keeps it off the runtime snapshot: how a child starts from its bundle.
  writeFileSync(join(templates, 'bench_noop_bundle.ts'), noopBot(true));
  process.env.BOTCTL_BOT_FILES = templates;
  const load = loadavg()[0] ?? 0;
  try {
    const rows: BenchRow[] = [{ name: `1-minute load average at start (${cpus().length} CPUs)`, value: round(load), unit: '', target: 'context', pass: true }];
    rows.push(...(await noopExecution(join(root, 'noop'))));
    rows.push(...(await coldStart(join(root, 'cold'), templates)));
    rows.push(...(await dispatchLag(join(root, 'lag'), templates)));
    rows.push(...(await loadedDaemon(join(root, 'loaded'), templates)));
    return rows;
  } finally {
    delete process.env.BOTCTL_BOT_FILES;
    rmSync(root, { recursive: true, force: true });
  }
}

export async function seed(connection: SqliteConnection, count: number, schedule: (i: number) => string, template = 'bench_noop'): Promise<number[]> {
  const { sqlite } = connection;
  const bot = sqlite
    .prepare(`INSERT INTO bots (name, developer_id, kind, template, code_path, exchange_type) VALUES (?, 'bench', 'template', ?, ?, 'binanceusdm') RETURNING id`)
    .get(`noop-${Date.now()}-${Math.random()}`, template, `bot_files/${template}.ts`) as { id: number };
  const insert = sqlite.prepare(
    `INSERT INTO subscriptions (bot_id, user_principal_id, trading_pair, schedule, timezone, execution_config, risk_config, mode, enabled, created_at, updated_at)
     VALUES (?, 'bench', 'BTC/USDT', ?, 'UTC', '{}', '{}', 'paper', 1, ?, ?) RETURNING id`,
  );
  const now = new Date().toISOString();
  return sqlite.transaction(() => Array.from({ length: count }, (_, i) => (insert.get(bot.id, schedule(i), now, now) as { id: number }).id))();
}

async function noopExecution(home: string): Promise<BenchRow[]> {
  const connection = await openSqlite(home);
  try {
    const [sub] = await seed(connection, 1, () => '0 0 1 1 *');
    const [bundleSub] = await seed(connection, 1, () => '0 0 1 1 *', 'bench_noop_bundle');
    // Which way each child started, from the runner's 'run started' line.
    let childStart: unknown;
    const log: Logger = { ...silentLogger, info: (msg, fields) => msg === 'run started' && (childStart = fields?.child_start) };
    const runner = { home, connection, log };
    const viaRunner = async (subscriptionId: number, expected: 'snapshot' | 'bundle' | undefined) => {
      const started = process.hrtime.bigint();
      const report = await runExecution(runner, { subscriptionId, scheduledFor: new Date().toISOString(), requireEnabled: false });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (report.status !== 'succeeded') throw new Error(`no-op run ${report.status}: ${report.error}`);
      if (expected && childStart !== expected) throw new Error(`the no-op child started from its ${String(childStart)}, not the ${expected}`);
      const tail = (connection.sqlite.prepare('SELECT log_tail FROM runs WHERE id = ?').get(report.runId) as { log_tail: string }).log_tail;
      return { ms, rssKb: maxRss(tail) };
    };
    const viaNode = async () => {
      const started = process.hrtime.bigint();
      const result = await execa(process.execPath, ['-e', baselineScript], { reject: false, extendEnv: false, env: { LANG: 'C.UTF-8' } });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      return { ms, rssKb: maxRss(result.stderr) };
    };
    // Warm-up: the first run bundles the bot (esbuild) and starts building the runtime snapshot and the bot's
    // module in the background (that run starts from the bundle); the next ones fill the file system cache.
    await viaRunner(sub as number, undefined);
    await viaRunner(bundleSub as number, 'bundle');
    await childStartBuilds();
    await viaRunner(sub as number, 'snapshot');
    await viaNode();
    const samples = { node: [] as Sample[], snapshot: [] as Sample[], bundle: [] as Sample[] };
    // Alternating, so machine noise hits all alike.
    for (let i = 0; i < executions; i++) {
      samples.node.push(await viaNode());
      samples.snapshot.push(await viaRunner(sub as number, 'snapshot'));
      samples.bundle.push(await viaRunner(bundleSub as number, 'bundle'));
    }
    const wall = (which: Sample[]) => median(which.map((r) => r.ms));
    const rss = (which: Sample[]) => median(which.map((r) => r.rssKb));
    const { node, snapshot, bundle } = samples;
    return [
      { name: `\`node -e 0\` median wall (${executions} runs)`, value: round(wall(node)), unit: 'ms', target: 'baseline', pass: true },
      { name: 'no-op bot execution through the runner, median wall', value: round(wall(snapshot)), unit: 'ms', target: 'see ratio', pass: true },
      { name: 'no-op execution / `node -e 0`, wall', value: round(wall(snapshot) / wall(node)), unit: 'x', target: '<= 1.5x', pass: wall(snapshot) / wall(node) <= 1.5 },
      { name: '  the same, child started from its bundle, wall', value: round(wall(bundle) / wall(node)), unit: 'x', target: 'context', pass: true },
      { name: '`node -e 0` median peak RSS', value: round(rss(node) / 1024), unit: 'MB', target: 'baseline', pass: true },
      { name: 'no-op bot child, median peak RSS', value: round(rss(snapshot) / 1024), unit: 'MB', target: 'see ratio', pass: true },
      { name: 'no-op child / `node -e 0`, peak RSS', value: round(rss(snapshot) / rss(node)), unit: 'x', target: '<= 1.3x', pass: rss(snapshot) / rss(node) <= 1.3 },
      { name: '  the same, child started from its bundle, peak RSS', value: round(rss(bundle) / rss(node)), unit: 'x', target: 'context', pass: true },
    ];
  } finally {
    await connection.close();
  }
}

interface Sample {
  ms: number;
  rssKb: number;
}

export interface Botd {
  pid: number;
  lines: Record<string, unknown>[];
  stop(): Promise<void>;
  waitFor(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function startBotd(home: string, templates: string, args: string[] = [], env: Record<string, string> = {}): Botd {
  const child = spawn(process.execPath, [join(packageRoot, 'bin', 'botd.js'), 'start', '--home', home, ...args], {
    env: { ...process.env, BOTCTL_BOT_FILES: templates, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid as number,
    lines,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
    async waitFor(msg, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = lines.find((l) => l.msg === msg);
        if (line) return line;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`botd did not log ${msg}`);
        await sleep(20);
      }
    },
  };
}

async function dispatchLag(home: string, templates: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const concurrency of [dueRunsPerSecond, 4]) {
    const dir = `${home}-${concurrency}`;
    const connection = await openSqlite(dir);
    await seed(connection, dueRunsPerSecond, () => '* * * * * *');
    await connection.close();
    const botd = startBotd(dir, templates, ['--concurrency', String(concurrency)]);
    await botd.waitFor('botd started');
    await sleep(dispatchSeconds * 1000);
    await botd.stop();
    // The first two seconds hold the one-off bundling of the bot (and the runtime snapshot's build): left out.
    const startedAt = Date.parse(String(botd.lines.find((l) => l.msg === 'botd started')?.time));
    const measured = botd.lines.filter((l) => l.msg === 'run started' && Date.parse(String(l.scheduled_for)) >= startedAt + 2_000);
    const lags = measured.map((l) => Number(l.dispatch_lag_ms));
    const fromSnapshot = measured.filter((l) => l.child_start === 'snapshot').length;
    const prewarmed = measured.filter((l) => l.prewarmed === true).length;
    const skipped = botd.lines.filter((l) => l.msg === 'run skipped').length;
    const p50 = percentile(lags, 0.5);
    const p99 = percentile(lags, 0.99);
    const label = `${dueRunsPerSecond} due runs/s, --concurrency ${concurrency}`;
    if (concurrency === dueRunsPerSecond) {
      rows.push(
        { name: `dispatch lag p50 (${label}, ${lags.length} runs)`, value: p50, unit: 'ms', target: 'context', pass: true },
        { name: `dispatch lag p99 (${label})`, value: p99, unit: 'ms', target: '< 100 ms', pass: p99 < 100 },
        { name: `ticks skipped as overlapping (${label})`, value: skipped, unit: '', target: 'context', pass: true },
        { name: `runs whose child started from the runtime snapshot (${label})`, value: fromSnapshot, unit: `of ${lags.length}`, target: 'context', pass: true },
        { name: `runs pre-warmed (child spawned before the slot) (${label})`, value: prewarmed, unit: `of ${lags.length}`, target: 'context', pass: true },
      );
    } else {
      // With the default cap, 10 simultaneous slots queue behind 4 children: that wait is the cap, not dispatch.
      rows.push({ name: `dispatch lag p50 / p99 with the default cap (${label})`, value: p99, unit: 'ms', target: `context (p50 ${p50} ms)`, pass: true });
    }
  }
  return rows;
}

// A fresh home (no runtime snapshot, no bot module yet) at 10 due runs/s: botd builds both before its first
// slot, so the first 100 runs start from the snapshot. Catch-up runs (slots that came due during that build)
// are counted apart: their lag is the build, by design.
async function coldStart(home: string, templates: string): Promise<BenchRow[]> {
  const connection = await openSqlite(home);
  await seed(connection, dueRunsPerSecond, () => '* * * * * *');
  await connection.close();
  const launched = Date.now();
  const botd = startBotd(home, templates, ['--concurrency', String(dueRunsPerSecond)]);
  try {
    await botd.waitFor('botd started');
    const deadline = Date.now() + 60_000;
    const started = () => botd.lines.filter((l) => l.msg === 'run started' && l.catch_up !== true);
    while (started().length < 100 && Date.now() < deadline) await sleep(100);
  } finally {
    await botd.stop();
  }
  const first = botd.lines.filter((l) => l.msg === 'run started' && l.catch_up !== true).slice(0, 100);
  const lags = first.map((l) => Number(l.dispatch_lag_ms));
  const fromBundle = first.filter((l) => l.child_start !== 'snapshot').length;
  const ready = botd.lines.find((l) => l.msg === 'runtime snapshot ready');
  const catchUps = botd.lines.filter((l) => l.msg === 'run started' && l.catch_up === true).length;
  const p99 = percentile(lags, 0.99);
  const label = `cold start, fresh home, ${dueRunsPerSecond} due runs/s`;
  return [
    { name: `${label}: snapshot and module built before scheduling`, value: Number(ready?.duration_ms ?? Number.NaN), unit: 'ms', target: `context (launch → ready ${Date.parse(String(ready?.time)) - launched} ms)`, pass: ready !== undefined },
    { name: `${label}: dispatch lag p99 (first ${lags.length} runs)`, value: p99, unit: 'ms', target: '< 100 ms', pass: p99 < 100 },
    { name: `${label}: of those, started from the bundle`, value: fromBundle, unit: `of ${lags.length}`, target: '0', pass: fromBundle === 0 },
    { name: `${label}: catch-up runs for slots due during the build`, value: catchUps, unit: '', target: 'context', pass: true },
  ];
}

async function loadedDaemon(home: string, templates: string): Promise<BenchRow[]> {
  const connection = await openSqlite(home);
  // Real, varied schedules (thousands of distinct patterns) that do not fire during the measurement:
  // minute, hour and day vary, in a month at least five months away.
  const month = ((new Date().getUTCMonth() + 6) % 12) + 1;
  await seed(connection, loadedSubscriptions, (i) => `${i % 60} ${i % 24} ${1 + (i % 28)} ${month} *`);
  await connection.close();
  const launched = process.hrtime.bigint();
  const botd = startBotd(home, templates);
  try {
    const started = await botd.waitFor('botd started');
    const startupMs = Number(process.hrtime.bigint() - launched) / 1e6;
    if (started.subscriptions !== loadedSubscriptions) throw new Error(`botd scheduled ${String(started.subscriptions)} subscriptions`);
    await sleep(3_000);
    const before = cpuTicks(botd.pid);
    const t0 = process.hrtime.bigint();
    await sleep(idleWindowMs);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuPercent = ((cpuTicks(botd.pid) - before) / clockTicks() / seconds) * 100;
    const rssMb = rssKb(botd.pid) / 1024;
    return [
      { name: `botd start-up with ${loadedSubscriptions} subscriptions (process launch → scheduling)`, value: round(startupMs), unit: 'ms', target: 'context', pass: true },
      { name: `botd RSS with ${loadedSubscriptions} enabled subscriptions`, value: round(rssMb), unit: 'MB', target: '< 250 MB', pass: rssMb < 250 },
      { name: `botd idle CPU with ${loadedSubscriptions} subscriptions (${idleWindowMs / 1000} s window)`, value: round(cpuPercent), unit: '% core', target: '< 2 %', pass: cpuPercent < 2 },
    ];
  } finally {
    await botd.stop();
  }
}

function maxRss(text: string): number {
  const match = /maxrss_kb=(\d+)/.exec(text);
  if (!match) throw new Error(`no maxrss report in: ${text.slice(-300)}`);
  return Number(match[1]);
}

export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of /proc/PID/stat, i.e. 11 and 12 after the command name.
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU time the whole machine spent busy (all CPUs, every state but idle and iowait), from /proc/stat, in ticks. */
export function machineBusyTicks(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!.trim().split(/\s+/);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields.map(Number);
  return user + nice + system + irq + softirq + steal;
}

export function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
}

export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const round = (value: number) => Math.round(value * 100) / 100;

function median(values: number[]): number {
  return percentile(values, 0.5);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}
