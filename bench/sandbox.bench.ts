// Per-start cost of two steps of the walls, against `node -e 0` in the same run (interleaved, medians):
//   1. the cgroup step (src/sandbox/run-cgroup.ts): making the per-run cgroup and its limits, the /bin/sh that joins
//      it and execs, and removing it after; alone around `node -e 0`, and with the whole OS sandbox around it;
//   2. the bin shim started as a program (sh, `node --disable-sigusr1 --version`, then Node with or without the
//      flag: src/sandbox/inspector-guard.ts) against `node bin/botctl.js`, for `botctl --version`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { cgroupLayer } from '../src/sandbox/cgroup-claim.js';
import { childCommand } from '../src/sandbox/child-command.js';
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
      const [shell, ...wrapper] = cgroup.wrapper;
      timed(shell!, [...wrapper, process.execPath, '-e', '0']);
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
      { name: `cgroup ${layer.kind} step around \`node -e 0\` (make, join, exec, remove)`, value: round(m('cgroup')), unit: 'ms', target: 'see ratio', pass: true },
      { name: '  / `node -e 0`', value: round(m('cgroup') / node), unit: 'x', target: 'context (added ms: the difference)', pass: true },
    );
  } else {
    rows.push({ name: `cgroup step: no cgroup layer here (${layer.why})`, value: 0, unit: '', target: 'context', pass: true });
  }
  rows.push(
    { name: 'whole child command (cgroup, prlimit, bwrap, setpriv) around `node -e 0`', value: round(m('sandbox')), unit: 'ms', target: 'see ratio', pass: true },
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
