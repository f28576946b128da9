// Issue #15, soak: a real botd with 20 no-op subscriptions every minute for 10 minutes (BENCH_SOAK_MINUTES
// changes it). Sampled every 30 s: botd's RSS (slope by least squares, after the first minute's warm-up),
// its open file descriptors, the WAL and the bundle cache. Target: flat.
import { readdirSync, statSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../src/db/open.js';
import { noopBot, round, rssKb, seed, sleep, startBotd } from './daemon.bench.js';
import type { BenchRow } from './index.js';

const subscriptions = 20;
const minutes = Number(process.env.BENCH_SOAK_MINUTES ?? 10);
const sampleEveryMs = 30_000;

interface Sample {
  at: number;
  rssMb: number;
  fds: number;
  walBytes: number;
  cacheBytes: number;
}

export async function run(): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'botd-soak-'));
  const templates = join(root, 'templates');
  mkdirSync(templates);
  writeFileSync(join(templates, 'bench_noop.ts'), noopBot(false));
  const home = join(root, 'home');
  try {
    const connection = await openSqlite(home);
    await seed(connection, subscriptions, () => '* * * * *');
    await connection.close();
    const botd = startBotd(home, templates);
    const samples: Sample[] = [];
    try {
      await botd.waitFor('botd started');
      const end = Date.now() + minutes * 60_000;
      for (;;) {
        samples.push(sample(botd.pid, home));
        if (Date.now() + sampleEveryMs > end) break;
        await sleep(sampleEveryMs);
      }
    } finally {
      await botd.stop();
    }
    const runs = botd.lines.filter((l) => l.msg === 'run finished' && l.status === 'succeeded').length;
    const settled = samples.filter((s) => s.at - (samples[0]?.at ?? 0) >= 60_000);
    const slope = slopePerHour(settled.map((s) => [s.at, s.rssMb]));
    const first = settled[0] ?? samples[0];
    const last = samples[samples.length - 1];
    if (!first || !last) throw new Error('no samples');
    const mib = (bytes: number) => round(bytes / 1048576);
    return [
      { name: `1-minute load average at start (${cpus().length} CPUs; shared machine)`, value: round(loadavg()[0] ?? 0), unit: '', target: 'context', pass: true },
      { name: `soak: ${subscriptions} subs every minute for ${minutes} min, runs done`, value: runs, unit: '', target: 'context', pass: true },
      { name: 'soak: botd RSS after 1 min / at the end', value: last.rssMb, unit: 'MB', target: `context (after 1 min ${round(first.rssMb)} MB)`, pass: true },
      { name: 'soak: botd RSS slope (least squares, after 1 min)', value: round(slope), unit: 'MB/h', target: '< 10 MB/h', pass: slope < 10 },
      { name: 'soak: open file descriptors, end', value: last.fds, unit: '', target: `<= start + 2 (start ${first.fds})`, pass: last.fds <= first.fds + 2 },
      { name: 'soak: WAL size, end', value: mib(last.walBytes), unit: 'MiB', target: `<= 4 MiB (start ${mib(first.walBytes)})`, pass: last.walBytes <= 4 * 1048576 },
      { name: 'soak: bundle cache size, end', value: mib(last.cacheBytes), unit: 'MiB', target: `flat (start ${mib(first.cacheBytes)})`, pass: last.cacheBytes <= first.cacheBytes * 1.1 + 65536 },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function sample(pid: number, home: string): Sample {
  return {
    at: Date.now(),
    rssMb: rssKb(pid) / 1024,
    fds: readdirSync(`/proc/${pid}/fd`).length,
    walBytes: sizeOf(join(home, 'botctl.db-wal')),
    cacheBytes: folderBytes(join(home, 'cache')),
  };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function folderBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) total += entry.isDirectory() ? folderBytes(join(dir, entry.name)) : sizeOf(join(dir, entry.name));
  return total;
}

function slopePerHour(points: [number, number][]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 3_600_000;
}
