// Takes the cgroup hierarchy cgroup-detect.ts found, once per process (botd at start; botctl before its first bot
// child), and makes the parent the per-run cgroups go in: `<own cgroup>/botctl-<pid>`, one per process, so two
// processes never remove each other's. Leftovers of processes that are gone (botd killed with SIGKILL) are removed
// first, and this process's own on exit.
//
// cgroup v2 forbids processes in a cgroup whose controllers are enabled for its children ("no internal processes"),
// so unless its cgroup is the hierarchy's root, this process first moves itself into a leaf `<own>/supervisor`,
// then enables memory and pids for the children of `<own>` and of `botctl-<pid>`. Should any step fail, it moves
// back and the layer is `none`, with the reason.
import { mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectCgroups, type CgroupFound } from './cgroup-detect.js';

export type CgroupLayer =
  | { kind: 'v2' | 'v1'; /** Per-run cgroups go under these (v2: one; v1: memory's and pids'). */ memory: string; pids: string; memsw: boolean; why: string }
  | { kind: 'none'; why: string; fix: string };

export const processPrefix = 'botctl-';
const leafName = 'supervisor';
let claimed: CgroupLayer | undefined;

/** The layer in force for this process's bot children (claimed on first call). */
export function cgroupLayer(): CgroupLayer {
  claimed ??= claim(detectCgroups());
  return claimed;
}

/** What `cgroupLayer()` returned, without claiming anything: for `botctl doctor`. */
export function claimedCgroupLayer(): CgroupLayer | undefined {
  return claimed;
}

function claim(found: CgroupFound): CgroupLayer {
  if (found.kind === 'none') return found;
  const bases = found.kind === 'v2' ? [found.own] : [found.memory, found.pids];
  try {
    if (found.kind === 'v2' && !found.root) moveIntoLeaf(found.own);
    if (found.kind === 'v2') enable(found.own);
    for (const base of bases) removeLeftovers(base);
    const mine = bases.map((base) => join(base, `${processPrefix}${process.pid}`));
    for (const dir of mine) mkdirSync(dir, { recursive: true });
    if (found.kind === 'v2') enable(mine[0]!);
    process.once('exit', () => mine.forEach(removeTree));
    const [memory, pids] = mine.length === 1 ? [mine[0]!, mine[0]!] : [mine[0]!, mine[1]!];
    return { kind: found.kind, memory, pids, memsw: found.kind === 'v1' && found.memsw, why: found.why };
  } catch (error) {
    if (found.kind === 'v2' && !found.root) moveBack(found.own);
    return { kind: 'none', why: `cgroup ${found.kind} found but not usable: ${(error as Error).message}`, fix: 'see `botctl doctor`' };
  }
}

function moveIntoLeaf(own: string): void {
  const leaf = join(own, leafName);
  mkdirSync(leaf, { recursive: true });
  writeFileSync(join(leaf, 'cgroup.procs'), String(process.pid));
}

function moveBack(own: string): void {
  try {
    writeFileSync(join(own, 'cgroup.procs'), String(process.pid));
  } catch {
    // Still in the leaf: harmless, as nothing is enabled for it.
  }
}

function enable(dir: string): void {
  writeFileSync(join(dir, 'cgroup.subtree_control'), '+memory +pids');
}

// `botctl-<pid>` of a process that no longer exists, with the per-run cgroups in it. One that still holds a
// process (a bot that outlived its botd) stays: rmdir refuses a busy cgroup, and the next start tries again.
function removeLeftovers(base: string): void {
  for (const name of readdirSync(base)) {
    const pid = name.startsWith(processPrefix) ? Number(name.slice(processPrefix.length)) : NaN;
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) removeTree(join(base, name));
  }
}

/** Removes a cgroup and the (empty) cgroups under it; what is busy stays. */
export function removeTree(dir: string): void {
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeTree(join(dir, entry.name));
    rmdirSync(dir);
  } catch {
    // Gone already, or busy.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
