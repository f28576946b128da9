// Which cgroup hierarchy can cap a bot child's memory (outside the V8 heap too) and its task count, found from
// this process's own cgroups (/proc/self/cgroup) and where they are mounted (/proc/self/mountinfo). Read-only:
// `botctl doctor` asks it too. cgroup-claim.ts then takes what was found, once, before the first child.
//
//   1. cgroup v2, where this process's own cgroup (`0::/path`) is writable and has `memory` and `pids` in
//      cgroup.controllers: what systemd's Delegate=yes gives the service (the generated unit has it). v2 forbids
//      processes in a cgroup whose controllers are enabled for its children, so this process must be alone in its
//      cgroup (it then moves into a leaf of its own, cgroup-claim.ts); a shell's session scope is shared, and not ours.
//   2. cgroup v1 `memory` and `pids` hierarchies where this process's cgroup in each is writable: root on a host
//      without systemd's unified layout (this kind of host: v1 mounted at /sys/fs/cgroup/{memory,pids}, an empty v2).
//   3. Neither: RLIMIT_AS (memory-limit.ts) is the only cap outside the heap. It stays in force in every case.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type CgroupFound =
  | { kind: 'v2'; /** This process's own cgroup directory. */ own: string; /** It is the hierarchy's root: nothing to move. */ root: boolean; why: string }
  | { kind: 'v1'; memory: string; pids: string; /** memory.memsw.* exists: swap is capped with memory. */ memsw: boolean; why: string }
  | { kind: 'none'; why: string; fix: string };

const fix = 'run botd as the systemd service `botd service` prints (Delegate=yes gives it a cgroup v2 subtree of its own), or as root where cgroup v1 memory and pids are mounted';

export function detectCgroups(): CgroupFound {
  if (process.platform !== 'linux') return { kind: 'none', why: `cgroups are Linux's (this is ${process.platform})`, fix: 'run botd on Linux' };
  let lines: string[];
  let mounts: Mount[];
  try {
    lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
    mounts = readMounts();
  } catch (error) {
    return { kind: 'none', why: `cannot read /proc/self/cgroup or mountinfo: ${(error as Error).message}`, fix };
  }
  const v2 = findV2(lines, mounts);
  if (v2.kind === 'v2') return v2;
  const v1 = findV1(lines, mounts);
  if (v1.kind === 'v1') return v1;
  return { kind: 'none', why: `${v2.why}; ${v1.why}`, fix };
}

interface Mount {
  root: string;
  point: string;
  type: string;
  options: string[];
}

// mountinfo: "id parent major:minor root mount-point options [optional…] - type source super-options".
function readMounts(): Mount[] {
  const mounts: Mount[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [type, , superOptions] = right.split(' ');
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    mounts.push({ root: unescape(fields[3] ?? ''), point: unescape(fields[4] ?? ''), type, options: (superOptions ?? '').split(',') });
  }
  return mounts;
}

const unescape = (path: string) => path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** Where cgroup `path` (as /proc/self/cgroup names it) is on a mount of its hierarchy, if it is visible at all. */
function directory(mount: Mount, path: string): string | undefined {
  if (mount.root === '/') return join(mount.point, path);
  if (path === mount.root || path.startsWith(`${mount.root}/`)) return join(mount.point, path.slice(mount.root.length));
  return undefined;
}

function findV2(lines: string[], mounts: Mount[]): CgroupFound {
  const path = lines.find((l) => l.startsWith('0::'))?.slice(3);
  const mount = mounts.find((m) => m.type === 'cgroup2');
  if (path === undefined || !mount) return { kind: 'none', why: 'no cgroup v2 hierarchy', fix };
  const own = directory(mount, path);
  if (!own) return { kind: 'none', why: `cgroup v2: this process's cgroup ${path} is not visible under ${mount.point}`, fix };
  const controllers = read(join(own, 'cgroup.controllers')).split(/\s+/);
  const missing = ['memory', 'pids'].filter((c) => !controllers.includes(c));
  if (missing.length) return { kind: 'none', why: `cgroup v2: ${missing.join(' and ')} not available in ${own} (not delegated)`, fix };
  if (!writable(own, ['cgroup.procs', 'cgroup.subtree_control'])) return { kind: 'none', why: `cgroup v2: ${own} is not writable by this process (not delegated)`, fix };
  const root = path === '/';
  const others = read(join(own, 'cgroup.procs')).split('\n').filter((pid) => pid !== '' && Number(pid) !== process.pid);
  if (!root && others.length > 0) return { kind: 'none', why: `cgroup v2: ${others.length} other process(es) share ${own}, which botd may only subdivide when it is alone there`, fix };
  return { kind: 'v2', own, root, why: `${own} is delegated to this process (writable, memory and pids available)` };
}

function findV1(lines: string[], mounts: Mount[]): CgroupFound {
  const dirs: Record<string, string> = {};
  for (const controller of ['memory', 'pids']) {
    const path = lines.map((l) => l.split(':')).find(([, list]) => list?.split(',').includes(controller))?.[2];
    const mount = mounts.find((m) => m.type === 'cgroup' && m.options.includes(controller));
    const dir = path !== undefined && mount ? directory(mount, path) : undefined;
    if (!dir) return { kind: 'none', why: `no cgroup v1 ${controller} hierarchy`, fix };
    if (!writable(dir, ['cgroup.procs'])) return { kind: 'none', why: `cgroup v1: ${dir} is not writable by this process`, fix };
    dirs[controller] = dir;
  }
  const memory = dirs.memory!;
  const pids = dirs.pids!;
  return { kind: 'v1', memory, pids, memsw: existsSync(join(memory, 'memory.memsw.limit_in_bytes')), why: `cgroup v1 memory (${memory}) and pids (${pids}) are writable by this process` };
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function writable(dir: string, files: string[]): boolean {
  try {
    accessSync(dir, constants.W_OK);
    for (const file of files) accessSync(join(dir, file), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
