// Per-start cost of two steps of the walls, against `node -e 0` in the same run (interleaved, medians):
//   1. the launcher step (src/sandbox/launcher.ts, run-cgroup.ts): making the per-run cgroup and its limits, the
//      /bin/sh that joins it, sets RLIMIT_AS and execs, and removing the cgroup after; alone around `node -e 0`, and
//      with the whole OS sandbox around it;
//   2. the bin shim started as a program (sh, `node --disable-sigusr1 --version`, then Node with or without the
//      flag: src/sandbox/inspector-guard.ts) against `node bin/botctl.js`, for `botctl --version`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { cgroupLayer } from '../src/sandbox/cgroup-claim.js';
import { childCommand } from '../src/sandbox/child-command.js';
import { launcherPrefix } from '../src/sandbox/launcher.js';
import { createRunCgroup } from '../src/sandbox/run-cgroup.js';
import { packageRoot } from '../src/package-root.js';
import type { BenchRow } from './index.js';

const runs = 21;
const heapMb = 256;
const env = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`, LANG: 'C.UTF-8' };

export async function run(): Promise<BenchRow[]> {
  const layer = cgroupLayer();
  const botctl = join(packageRoot, 'bin', 'botctl.js');
  const variants: Record<string, () => void> = {
    node: () => timed(process.execPath, ['-e', '0']),
    shim: () => timed(botctl, ['--version']),
    direct: () => timed(process.execPath, [botctl, '--version']),
    sandbox: () => {
      const command = childCommand({ nodeArgs: ['-e', '0'], files: [], env, heapMb, custom: false });
      timed(command.command, command.args, command.env);
      command.release();
    },
  };
  if (layer.kind !== 'none') {
    variants.cgroup = () => {
      const cgroup = createRunCgroup(layer, heapMb);
      const [shell, ...launcher] = launcherPrefix({ procs: cgroup.procs, heapMb });
      timed(shell!, [...launcher, process.execPath, '-e', '0']);
      cgroup.release();
    };
  }
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (const fn of Object.values(variants)) fn(); // warm-up: the page cache, bwrap's ldd of Node
  for (let i = 0; i < runs; i++) {
    for (const [name, fn] of Object.entries(variants)) {
      const started = process.hrtime.bigint();
      fn();
      samples[name]!.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  const m = (name: string) => median(samples[name] ?? []);
  const node = m('node');
  const rows: BenchRow[] = [{ name: `\`node -e 0\` median wall (${runs} runs, interleaved)`, value: round(node), unit: 'ms', target: 'baseline', pass: true }];
  if (layer.kind !== 'none') {
    rows.push(
      { name: `launcher step around \`node -e 0\` (cgroup ${layer.kind} made, joined, removed; RLIMIT_AS)`, value: round(m('cgroup')), unit: 'ms', target: 'see ratio', pass: true },
      { name: '  / `node -e 0`', value: round(m('cgroup') / node), unit: 'x', target: 'context (added ms: the difference)', pass: true },
    );
  } else {
    rows.push({ name: `cgroup step: no cgroup layer here (${layer.why})`, value: 0, unit: '', target: 'context', pass: true });
  }
  rows.push(
    { name: 'whole child command (launcher, bwrap, setpriv as root) around `node -e 0`', value: round(m('sandbox')), unit: 'ms', target: 'see ratio', pass: true },
    { name: '  / `node -e 0`', value: round(m('sandbox') / node), unit: 'x', target: 'context', pass: true },
    { name: '`node bin/botctl.js --version` (listener only)', value: round(m('direct')), unit: 'ms', target: 'see ratio', pass: true },
    { name: `\`botctl --version\` as a program (sh + flag probe${process.allowedNodeEnvironmentFlags.has('--disable-sigusr1') ? ' + --disable-sigusr1' : ', refused: Node 20'})`, value: round(m('shim')), unit: 'ms', target: 'see ratio', pass: true },
    { name: '  shim / direct', value: round(m('shim') / m('direct')), unit: 'x', target: 'context', pass: true },
  );
  return rows;
}

function timed(command: string, args: string[], childEnv: Record<string, string> = env): void {
  const result = spawnSync(command, args, { env: childEnv, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const round = (value: number) => Math.round(value * 100) / 100;
