// One bot child's own cgroup (under the parent cgroup-claim.ts made): a memory limit covering everything the child
// holds, heap or not, and a cap on its tasks. The child enters it before any of its code runs: its launcher
// (launcher.ts) writes its own pid into each cgroup.procs and then execs the rest (bwrap → node), so everything
// the child starts is in it too.
//
// After the child exits: was it killed for memory (memory.events' oom_kill on v2, memory.oom_control's on v1),
// and then the cgroup is removed (rmdir, tried again once 200 ms later when a process of the sandbox is still
// exiting; what is left is removed on this process's exit or by the next botd, cgroup-claim.ts).
import { mkdirSync, readFileSync, rmdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupLayer } from './cgroup-claim.js';
import { residentBudgetBytes } from './memory-limit.js';

// Tasks (processes and threads: the pids controller counts both) per child. Node itself runs about 10-12 threads
// (main, 4 V8 platform workers, 4 libuv pool threads once used, the inspector/signal thread) and bwrap 2
// processes; a bot may start no process or worker of its own (Node's permission model). 64 leaves room for Node's
// own growth and still stops a fork or thread bomb outright, long before the host's pid space.
export const taskLimit = 64;

export interface RunCgroup {
  /** The cgroup.procs files the child's launcher joins. */
  procs: string[];
  budgetBytes: number;
  /** The cgroup directories (v2: one; v1: memory's and pids'). */
  dirs: string[];
  /** Idempotent: after the child's exit. A sentence when the kernel killed it for memory, else undefined. */
  release(): string | undefined;
}

let sequence = 0;
const live = new Set<string>();
process.once('exit', () => live.forEach((dir) => remove(dir)));

export function createRunCgroup(layer: Exclude<CgroupLayer, { kind: 'none' }>, heapMb: number): RunCgroup {
  const name = `run-${++sequence}`;
  const budgetBytes = residentBudgetBytes(heapMb);
  const memory = join(layer.memory, name);
  const pids = join(layer.pids, name);
  const dirs = memory === pids ? [memory] : [memory, pids];
  for (const dir of dirs) {
    mkdirSync(dir);
    live.add(dir);
  }
  try {
    limit(layer, memory, pids, budgetBytes);
  } catch (error) {
    dirs.forEach(remove);
    throw new Error(`the child's cgroup could not be limited: ${(error as Error).message}`);
  }
  let verdict: string | undefined | null = null;
  return {
    procs: dirs.map((dir) => join(dir, 'cgroup.procs')),
    budgetBytes,
    dirs,
    release() {
      if (verdict !== null) return verdict;
      verdict = oomKilled(layer.kind, memory) ? `killed by the kernel: the child reached its memory budget of ${budgetBytes / 1024 / 1024} MB (heap and everything outside it; cgroup ${layer.kind})` : undefined;
      for (const dir of dirs) if (!remove(dir)) setTimeout(() => remove(dir), 200).unref();
      return verdict;
    },
  };
}

function limit(layer: Exclude<CgroupLayer, { kind: 'none' }>, memory: string, pids: string, bytes: number): void {
  if (layer.kind === 'v2') {
    writeFileSync(join(memory, 'memory.max'), String(bytes));
    // No swap: a budget that spills into swap is no budget (the file exists only where swap is accounted).
    if (existsSync(join(memory, 'memory.swap.max'))) writeFileSync(join(memory, 'memory.swap.max'), '0');
    // One OOM kill takes the whole sandbox (bwrap's processes too), not just its largest process.
    if (existsSync(join(memory, 'memory.oom.group'))) writeFileSync(join(memory, 'memory.oom.group'), '1');
  } else {
    // memory.memsw (memory + swap) may not be set below memory.limit_in_bytes: the limit first.
    writeFileSync(join(memory, 'memory.limit_in_bytes'), String(bytes));
    if (layer.memsw) writeFileSync(join(memory, 'memory.memsw.limit_in_bytes'), String(bytes));
  }
  writeFileSync(join(pids, 'pids.max'), String(taskLimit));
}

function oomKilled(kind: 'v1' | 'v2', memory: string): boolean {
  try {
    const text = readFileSync(join(memory, kind === 'v2' ? 'memory.events' : 'memory.oom_control'), 'utf8');
    const kills = /^oom_kill (\d+)$/m.exec(text)?.[1];
    // v1 before Linux 4.13 has no oom_kill count: the limit was hit at least once (failcnt) is what it tells.
    if (kills === undefined && kind === 'v1') return Number(readFileSync(join(memory, 'memory.failcnt'), 'utf8')) > 0;
    return Number(kills ?? 0) > 0;
  } catch {
    return false;
  }
}

function remove(dir: string): boolean {
  try {
    rmdirSync(dir);
    live.delete(dir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') live.delete(dir);
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
