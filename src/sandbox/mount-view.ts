// What a sandboxed child can see of the file system: the Node binary, the shared libraries it is linked
// against (and the loader), the tools that start it, and the few files it is given (its bundle, or the
// runtime snapshot and its bot module), and two kernel settings glibc's malloc reads. Nothing else exists
// inside: no home, no database, no master key, no /etc, no /tmp, no /dev, and nothing is writable (bwrap builds
// the root on an empty tmpfs; every file here is a read-only bind mount).
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';

/** Source on the host, and where it appears inside (the same path: argv and the loader name it so). */
export interface Bind {
  source: string;
  target: string;
}

const linkedLibraries = new Map<string, Bind[]>();

/** The executable and every library the dynamic loader maps for it, as `ldd` lists them (cached per binary). */
export function executableBinds(executable: string): Bind[] {
  let binds = linkedLibraries.get(executable);
  if (!binds) {
    binds = [{ source: realpathSync(executable), target: executable }, ...sharedLibraries(executable)];
    linkedLibraries.set(executable, binds);
  }
  return binds;
}

// glibc's loader lists what it would map, instead of running the program, when LD_TRACE_LOADED_OBJECTS is set
// (what `ldd` does, without ldd's bash: 5x cheaper, measured): "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6
// (0x…)" and "/lib64/ld-linux-x86-64.so.2 (0x…)". Each absolute path is bound at that very path, so the loader
// finds it where it looks without /etc/ld.so.cache. Elsewhere (musl) nothing is listed, the sandbox cannot start
// Node, and botd says the OS sandbox is unavailable.
function sharedLibraries(executable: string): Bind[] {
  let output: string;
  try {
    output = execFileSync(executable, [], { encoding: 'utf8', env: { LD_TRACE_LOADED_OBJECTS: '1' }, stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  } catch {
    return [];
  }
  const binds: Bind[] = [];
  for (const line of output.split('\n')) {
    const path = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line)?.[1];
    if (path) binds.push({ source: realpathSync(path), target: path });
  }
  return binds;
}

// A snapshot child asks glibc's malloc for transparent huge pages (child-start.ts, GLIBC_TUNABLES). glibc grants
// them only after reading the kernel's THP mode and page size from these files: without them in the view it
// silently uses 4 KB pages, and a snapshot child in the sandbox started 40 ms slower (128 ms against 88 ms,
// Node 20.20, measured). They say how the host's memory manager is set, which no process is denied anyway.
const transparentHugePageSettings = ['/sys/kernel/mm/transparent_hugepage/enabled', '/sys/kernel/mm/transparent_hugepage/hpage_pmd_size'];

let memorySettings: Bind[] | undefined;

/** The kernel's huge-page settings, read-only, where this kernel has them (looked up once, not per child). */
export function memorySettingsBinds(): Bind[] {
  memorySettings ??= transparentHugePageSettings.filter((file) => existsSync(file)).map((file) => ({ source: file, target: file }));
  return memorySettings;
}

/** The directories bwrap must create (world-traversable) before binding files at `targets`, parents first. */
export function parentDirectories(targets: string[]): string[] {
  const dirs = new Set<string>();
  for (const target of targets) {
    const chain: string[] = [];
    for (let dir = dirname(target); dir !== '/' && dir !== '.'; dir = dirname(dir)) chain.unshift(dir);
    for (const dir of chain) dirs.add(dir);
  }
  return [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}
