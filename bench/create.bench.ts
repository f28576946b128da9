// Item 12: template-bot creation cost, in process and as a whole `botctl create` process.
// Both are measured in this run against a baseline from this run, never against fixed numbers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTemplateBot } from '../src/bots/create-template-bot.js';
import { openDatabase } from '../src/db/open.js';
import { packageRoot } from '../src/package-root.js';
import type { BenchRow } from './index.js';

const inProcessCount = 2_000;
const batches = 5;
const processRuns = 11;

export async function run(): Promise<BenchRow[]> {
  const home = mkdtempSync(join(tmpdir(), 'botctl-bench-'));
  // Context for reading the numbers: on a busy machine both sections come out slower than they are.
  const load = loadavg()[0] ?? 0;
  try {
    const perSecond = await inProcessCreations(home);
    // In a minimal environment, as botd's children and a service's processes run: this shell's may make every Node
    // start slower alike (NODE_EXTRA_CA_CERTS loads a CA bundle: ~40 ms here), which flatters the ratio.
    const { botctl, node, ratio } = wholeProcess(home, { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? home, LANG: 'C.UTF-8' });
    const inherited = wholeProcess(home, process.env);
    const extraCa = process.env.NODE_EXTRA_CA_CERTS ? ', NODE_EXTRA_CA_CERTS set' : '';
    return [
      { name: `1-minute load average at start (${cpus().length} CPUs)`, value: Math.round(load * 100) / 100, unit: '', target: 'context', pass: true },
      { name: `in-process template-bot creations (median of ${batches}×${inProcessCount / batches})`, value: Math.round(perSecond), unit: '/s', target: '>= 5000/s', pass: perSecond >= 5_000 },
      { name: 'mean time per in-process creation', value: 1000 / perSecond, unit: 'ms', target: '< 10 ms', pass: 1000 / perSecond < 10 },
      { name: `\`node -e 0\` median wall (${processRuns} runs)`, value: node, unit: 'ms', target: 'baseline', pass: true },
      { name: `\`botctl create\` median wall (${processRuns} runs)`, value: botctl, unit: 'ms', target: 'see ratio', pass: true },
      { name: '`botctl create` / `node -e 0`', value: ratio, unit: 'x', target: '<= 2.0x', pass: ratio <= 2 },
      { name: `  the same in this shell's environment (\`node -e 0\` ${Math.round(inherited.node)} ms${extraCa})`, value: inherited.ratio, unit: 'x', target: 'context', pass: true },
    ];
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function inProcessCreations(home: string): Promise<number> {
  const connection = await openDatabase(home);
  try {
    const input = { template: 'simple_sma_bot', developer: 'bench', exchange: 'binanceusdm' };
    // Warm-up: JIT, statement cache, the file system cache for the template's stat.
    for (let i = 0; i < 1_000; i++) await createTemplateBot(connection.db, { ...input, name: `warm-${i}` });
    // Timed in batches and reported as the median batch: on a shared 2-core machine one busy moment
    // would otherwise decide the whole figure.
    const rates: number[] = [];
    for (let batch = 0; batch < batches; batch++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < inProcessCount / batches; i++) await createTemplateBot(connection.db, { ...input, name: `bot-${batch}-${i}` });
      rates.push(inProcessCount / batches / (Number(process.hrtime.bigint() - started) / 1e9));
    }
    return median(rates);
  } finally {
    await connection.close();
  }
}

let warmups = 0;
let processes = 0;

// Runs alternate between the two commands so that machine noise hits both alike.
function wholeProcess(home: string, base: NodeJS.ProcessEnv): { botctl: number; node: number; ratio: number } {
  const bin = join(packageRoot, 'bin', 'botctl.js');
  const env = { ...base, BOTCTL_HOME: home, NO_COLOR: '1' };
  const time = (args: string[]) => {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr.toString()}`);
    return ms;
  };
  // The home already exists and is migrated (in-process section): no first-run cost in the numbers.
  time([bin, 'create', '--template', 'simple_sma_bot', '--name', `proc-warm-${warmups++}`]);
  time(['-e', '0']);
  const botctl: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < processRuns; i++) {
    node.push(time(['-e', '0']));
    botctl.push(time([bin, 'create', '--template', 'simple_sma_bot', '--name', `proc-${processes++}`]));
  }
  const b = median(botctl);
  const n = median(node);
  return { botctl: b, node: n, ratio: b / n };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
