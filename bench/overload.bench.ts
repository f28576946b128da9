// Issue #15, overload: a real botd with its default settings and 1,000 no-op subscriptions every minute, for
// three slots. Per slot: runs done, runs skipped (superseded or overlapping), and the latest start after the
// slot. Then the sustained rate this host reaches and what each run's CPU goes to: botd itself (/proc/<botd>/stat)
// and everything else the machine did meanwhile (/proc/stat), which is the bot children and their sandbox plus any
// other load. Not botd's cutime: a child in its own PID namespace is reaped by bwrap's init there, and its CPU never
// reaches botd's account (measured: 0.5 s of a child's CPU, 0 in bwrap's parent). Target: no run starts more than
// one period late.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../src/db/open.js';
import { defaultConcurrency } from '../src/daemon/defaults.js';
import { clockTicks, cpuTicks, machineBusyTicks, noopBot, percentile, round, seed, sleep, startBotd } from './daemon.bench.js';
import type { BenchRow } from './index.js';

const subscriptions = 1_000;
const slots = 3;
const periodMs = 60_000;

export async function run(): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'botd-overload-'));
  const templates = join(root, 'templates');
  mkdirSync(templates);
  writeFileSync(join(templates, 'bench_noop.ts'), noopBot(false));
  const home = join(root, 'home');
  const rows: BenchRow[] = [
    { name: `1-minute load average at start (${cpus().length} CPUs; shared machine)`, value: round(loadavg()[0] ?? 0), unit: '', target: 'context', pass: true },
  ];
  try {
    const connection = await openSqlite(home);
    await seed(connection, subscriptions, () => '* * * * *');
    await connection.close();
    const botd = startBotd(home, templates);
    try {
      const started = await botd.waitFor('botd started');
      // The first slot after start-up (catch-up runs of the slot before it are left out).
      const first = Math.ceil(Date.parse(String(started.time)) / periodMs) * periodMs;
      const end = first + slots * periodMs;
      await sleep(first - Date.now());
      const before = { own: cpuTicks(botd.pid), machine: machineBusyTicks() };
      await sleep(end - Date.now());
      const after = { own: cpuTicks(botd.pid), machine: machineBusyTicks() };
      const perSlot = Array.from({ length: slots }, (_, i) => first + i * periodMs).map((slot) => {
        const at = new Date(slot).toISOString();
        const lines = botd.lines.filter((l) => l.scheduled_for === at);
        const lags = lines.filter((l) => l.msg === 'run started').map((l) => Number(l.dispatch_lag_ms));
        return {
          slot: at,
          done: lines.filter((l) => l.msg === 'run finished' && l.status === 'succeeded').length,
          skipped: lines.filter((l) => l.msg === 'run skipped').length,
          latest: lags.length ? Math.max(...lags) : Number.NaN,
          p50: percentile(lags, 0.5),
        };
      });
      const done = perSlot.reduce((sum, s) => sum + s.done, 0);
      const finishedInWindow = botd.lines.filter((l) => l.msg === 'run finished' && l.status === 'succeeded' && Date.parse(String(l.time)) >= first && Date.parse(String(l.time)) < end).length;
      const ticks = clockTicks();
      const ownMs = ((after.own - before.own) / ticks) * 1000;
      const restMs = ((after.machine - before.machine) / ticks) * 1000 - ownMs;
      const warnings = botd.lines.filter((l) => l.level === 'warn' && String(l.msg).startsWith('backlog: botd is behind')).length;
      perSlot.forEach((s, i) => {
        rows.push(
          { name: `slot ${i + 1} (${subscriptions} subs, --concurrency ${defaultConcurrency}): runs done`, value: s.done, unit: `of ${subscriptions}`, target: 'context', pass: true },
          { name: `slot ${i + 1}: runs skipped (superseded or overlapping)`, value: s.skipped, unit: '', target: 'context', pass: true },
          // The last slot's backlog is still queued when the bench stops (its next slot would supersede it).
          { name: `slot ${i + 1}: neither run nor skipped when measured`, value: subscriptions - s.done - s.skipped, unit: '', target: 'context', pass: true },
          { name: `slot ${i + 1}: latest start after its slot`, value: s.latest, unit: 'ms', target: `< ${periodMs} ms (p50 ${s.p50} ms)`, pass: s.latest < periodMs },
        );
      });
      rows.push(
        { name: `sustained runs per minute, default settings (${slots} min window)`, value: round(finishedInWindow / slots), unit: 'runs/min', target: 'context', pass: true },
        { name: 'CPU per run: botd itself', value: round(ownMs / Math.max(1, finishedInWindow)), unit: 'ms', target: 'context', pass: true },
        { name: 'CPU per run: the rest of the machine (the bot child and its sandbox; other load too)', value: round(restMs / Math.max(1, finishedInWindow)), unit: 'ms', target: 'context', pass: true },
        { name: "'backlog: botd is behind its schedules' warn lines", value: warnings, unit: '', target: 'context', pass: true },
        { name: 'runs done over the three slots', value: done, unit: `of ${slots * subscriptions}`, target: 'context', pass: true },
      );
    } finally {
      await botd.stop();
    }
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
