// How a bot's child is started. Evaluating zod and the child runtime is most of what a child costs before the bot
// runs, so a child starts from a V8 startup snapshot that holds them already evaluated and warmed up (src/runtime/
// snapshot-main.ts) and loads only its bot module (the bot and what it uses of the SDK, bundleBotModule()). Until
// both are on disk, and for a bot the module cannot carry, the child starts from the bot's bundle as before.
//
// One snapshot serves every bot: it is keyed by the runtime it holds, the Node binary, and the one V8 flag botd
// passes (--max-old-space-size; Node 20 refuses a snapshot built with other V8 flags). It is built from trusted
// code only, never a bot's: Node cannot build a snapshot under its permission model that it can then start under
// it ("Cannot redefine property: permission", Node 20.20, 22.23 and 24.21 alike), so a per-bot snapshot would run
// the bot's top-level code outside the sandbox. A child started from it is sandboxed exactly as before, and may
// read only its bot module: Node reads the snapshot before the permission model is in force.
//
// Both are built in the background on first need, while that run starts from the bundle: dispatching never waits
// on a build. botd builds the snapshot, and the modules of the bots it schedules, at start-up, before its first
// slot (prepareRuntimeSnapshot, daemon.ts): a cold start no longer serves its first seconds from bundles. A snapshot is used only once this process has seen it start as a child would (flags, sandbox and
// all). A snapshot build that fails is logged and tried again an hour later; a bot module that cannot be built
// (top-level await, say) is logged once, and that bot keeps starting from its bundle. No run fails because of it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { botModulePath, buildSnapshotEntry, bundleBotModule, runtimeIdentity, type BundledBot } from '../bots/bundle.js';
import { markUsed } from '../bots/bundle-cache.js';
import { sha256 } from '../bots/digest.js';
import { snapshotCheckArg } from '../runtime/snapshot-main.js';
import { errorText, type Logger } from './log.js';
import { sandboxEnv, sandboxNodeArgs } from '../sandbox/node-flags.js';
import { childCommand } from '../sandbox/child-command.js';

export interface ChildStart {
  /** Node's arguments after its flags, up to the entry mode: the bundle, or the snapshot and the bot module. */
  entry: string[];
  /** The one file Node's permission model lets the child read. */
  readable: string;
  /** Every file the child reads: bound into the OS sandbox's view (the snapshot is read before Node's sandbox). */
  files: string[];
  snapshot: boolean;
  /** Added to the child's environment (sandboxEnv()). */
  env: Record<string, string>;
}

export interface ChildStartOptions {
  /** Where bundles are cached; the snapshot and bot modules are cached beside them. */
  cacheDir: string;
  heapMb: number;
  log: Logger;
  /** The Node binary that runs the children (and so must build the snapshot). */
  node?: string;
}

/** Part of the snapshot's cache key: bump when how it is built changes in a way its inputs do not show. */
const snapshotFormat = 3;
const buildTimeoutMs = 120_000;
/** A snapshot that could not be built is tried again after this long (by this process). */
const retryAfterMs = 60 * 60 * 1000;
/** Added to botd's niceness for the snapshot build: a burst of bot starts goes first. */
const buildNiceness = 10;

// A child started from the snapshot first reads the whole blob into fresh memory and copies V8's part out of it:
// with 4 KB pages that is over a thousand page faults before any JavaScript runs (Node's own snapshot is mapped from
// its binary instead). These glibc settings back malloc's heap with transparent huge pages, which the kernel grants
// on request in its default `madvise` mode, and keep the blob's buffers on that heap rather than in separate
// mappings: a few faults instead. glibc reads the kernel's THP settings first, which the sandbox's view therefore
// holds (mount-view.ts). Measured on Node 20.20 (2 cores), a snapshot child: in bwrap 88 ms wall against 128 ms
// without the settings in view; outside the sandbox about 95 ms of CPU against 150. Where glibc is older than 2.35,
// absent (musl) or THP is off, they change nothing.
const snapshotChildEnv = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432' };

/** Builds and checks under way, by the file they make or check. */
const building = new Map<string, Promise<void>>();
/** Snapshots this process has seen start as a child does: only those are used. */
const verified = new Set<string>();
/** When a snapshot last failed to build. */
const failedAt = new Map<string, number>();
/** Bot modules that cannot be built (a bot's source does not change under its hash): never tried again. */
const noModule = new Set<string>();
/** The Node processes building or checking a snapshot, ended by stopChildStartBuilds(). */
const buildProcesses = new Set<ChildProcess>();
let stopping = false;

export function childStart(bundle: BundledBot, options: ChildStartOptions): ChildStart {
  const blob = snapshotPath(options);
  const module = botModulePath(bundle);
  const blobReady = snapshotReady(blob, options);
  const moduleReady = existsSync(module);
  if (!moduleReady && !noModule.has(module)) {
    track(module, () =>
      bundleBotModule(bundle).then(
        () => undefined,
        (error: unknown) => {
          noModule.add(module);
          if (!stopping) options.log.info('this bot starts from its bundle, not the runtime snapshot', { code_sha256: bundle.sourceSha256, reason: errorText(error) });
        },
      ),
    );
  }
  if (!blobReady || !moduleReady) return { entry: [bundle.path], readable: bundle.path, files: [bundle.path], snapshot: false, env: {} };
  markUsed(blob);
  markUsed(module);
  // --disable-warning: the bot's dynamic import() goes through vm's main-context loader, which Node flags as
  // experimental; started from the bundle the same import() warns of nothing. The sandbox's flags say it too.
  return { entry: ['--disable-warning=ExperimentalWarning', '--snapshot-blob', blob, '--', module], readable: module, files: [blob, module], snapshot: true, env: snapshotChildEnv };
}

/**
 * Builds (or, found in the cache, checks) the runtime snapshot now, and resolves true once it is ready: botd
 * calls it at start-up so that its first slots start from the snapshot, not from the plain bundle.
 */
export async function prepareRuntimeSnapshot(options: ChildStartOptions): Promise<boolean> {
  const blob = snapshotPath(options);
  if (snapshotReady(blob, options)) return true;
  await building.get(blob);
  return verified.has(blob);
}

/** Resolves once the builds under way have finished (or failed): for tests and benchmarks. */
export async function childStartBuilds(): Promise<void> {
  while (building.size > 0) await Promise.all(building.values());
}

/** botd is stopping: ends the snapshot builds under way (their files are removed) and waits for the rest. */
export async function stopChildStartBuilds(): Promise<void> {
  stopping = true;
  try {
    for (const child of buildProcesses) child.kill('SIGKILL');
    await childStartBuilds();
  } finally {
    stopping = false;
  }
}

function snapshotPath({ cacheDir, heapMb, node = process.execPath }: ChildStartOptions): string {
  const key = sha256(`${snapshotFormat}:${runtimeIdentity()}:${node}:${process.version}:${process.arch}:--max-old-space-size=${heapMb}`);
  return join(cacheDir, `runtime-${key}.blob`);
}

// True for a snapshot this process has checked. One found on disk (built by an earlier botd, or another process)
// is checked first, and removed if it does not start: a child never depends on a file nobody tried.
function snapshotReady(blob: string, options: ChildStartOptions): boolean {
  const exists = existsSync(blob);
  if (exists && verified.has(blob)) return true;
  verified.delete(blob);
  const failed = failedAt.get(blob);
  if (building.has(blob) || (failed !== undefined && Date.now() - failed < retryAfterMs)) return false;
  const fields = { heap_mb: options.heapMb, node: process.version };
  track(blob, async () => {
    const started = Date.now();
    if (exists) {
      try {
        await checkSnapshot(blob, options);
        verified.add(blob);
      } catch (error) {
        if (stopping) return;
        rmSync(blob, { force: true });
        options.log.warn('runtime snapshot in the cache does not start: removed, to be built again', { ...fields, error: errorText(error) });
      }
      return;
    }
    try {
      await buildSnapshot(blob, options);
      verified.add(blob);
      failedAt.delete(blob);
      options.log.info('runtime snapshot built', { ...fields, build_ms: Date.now() - started });
    } catch (error) {
      if (stopping) return;
      failedAt.set(blob, Date.now());
      options.log.warn('runtime snapshot could not be built: bots start from their bundles', { ...fields, error: errorText(error) });
    }
  });
  return false;
}

function track(path: string, job: () => Promise<void>): void {
  if (building.has(path)) return;
  building.set(path, job().finally(() => building.delete(path)));
}

async function buildSnapshot(target: string, { heapMb, node = process.execPath }: ChildStartOptions): Promise<void> {
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  const base = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const entry = `${base}.cjs`;
  const config = `${base}.json`;
  const blob = `${base}.tmp`;
  try {
    writeFileSync(entry, await buildSnapshotEntry(), { mode: 0o600 });
    // With Node's code cache for its built-in modules, although that is half the blob (2.6 of 5.4 MB, Node 20.20),
    // which every child reads whole. Without it (`withoutCodeCache`, format 2), Node 20.20 compiles internal
    // functions in the child against the wrong closure: a NodeError's `code` and `message` came out as Node's
    // internalBinding, so `fs.lstatSync(denied).code` handed bot code the function that reads any file past the
    // permission model (test/security/snapshot-internals.test.ts). With the cache no internal function is compiled
    // from scratch in the child, and none of those paths leaks.
    writeFileSync(config, JSON.stringify({ builder: entry }), { mode: 0o600 });
    await runNode(node, [`--max-old-space-size=${heapMb}`, '--snapshot-blob', blob, '--build-snapshot-config', config]);
    await checkSnapshot(blob, { heapMb, node });
    chmodSync(blob, 0o600);
    // Rename: a concurrent reader (another run, another botd) sees the whole blob or none.
    renameSync(blob, target);
  } finally {
    for (const file of [entry, config, blob]) rmSync(file, { force: true });
  }
}

// Starts the snapshot as a bot's child is started, sandbox and flags included. A warning printed here would print
// in every run (and betrays a module the snapshot builder does not support).
async function checkSnapshot(blob: string, { heapMb, node = process.execPath }: Pick<ChildStartOptions, 'heapMb' | 'node'>): Promise<void> {
  const nodeArgs = [...sandboxNodeArgs(blob, heapMb), '--snapshot-blob', blob, '--', snapshotCheckArg];
  // Inside the OS sandbox too: the blob must be readable in the child's mount view, as its uid.
  const command = childCommand({ nodeArgs, files: [blob], env: { ...sandboxEnv(), ...snapshotChildEnv }, heapMb, custom: false, node });
  const check = await runNode(command.command, command.args, command.env).finally(() => command.release());
  if (check.stdout !== 'ok\n' || check.stderr !== '') throw new Error(`the snapshot does not start cleanly: ${lastLines(check.stderr || check.stdout)}`);
}

function runNode(node: string, args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // The children's environment: no NODE_OPTIONS of botd's may add V8 flags the children would not have.
    const child = spawn(node, args, { env: { ...sandboxEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    buildProcesses.add(child);
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, Math.min(19, getPriority() + buildNiceness));
      } catch {
        // Not permitted: it builds at botd's priority.
      }
    }
    let stdout = '';
    let stderr = '';
    const keep = (text: string, chunk: Buffer) => (text + chunk.toString('utf8')).slice(-16_384);
    child.stdout.on('data', (chunk: Buffer) => (stdout = keep(stdout, chunk)));
    child.stderr.on('data', (chunk: Buffer) => (stderr = keep(stderr, chunk)));
    const timer = setTimeout(() => child.kill('SIGKILL'), buildTimeoutMs);
    child.once('error', (error) => {
      buildProcesses.delete(child);
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      buildProcesses.delete(child);
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${signal ? `ended by ${signal}` : `exited with code ${code}`}: ${lastLines(stderr || stdout)}`));
    });
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 500);
}
