// A real S3 server for tests: a throw-away single-node Ceph cluster with RADOS Gateway when
// Debian's ceph packages are installed (.ci/install-ceph.sh), else the npm fake s3rver
// (laptops only: it ignores conditional PUTs). See shared/docs/testing.md, "S3".
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { accessSync, appendFileSync, closeSync, constants, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { execa } from 'execa';
import type { ObjectStore } from '../../src/store/object-store.js';
import { s3Store } from '../../src/store/s3-store.js';
import { freePorts } from './ports.js';

export type S3ServerKind = 'ceph-rgw' | 's3rver';

export interface S3Server {
  kind: S3ServerKind;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** Whether a request signed with the wrong secret is refused (RGW yes; s3rver is told to accept them). */
  verifiesSignatures: boolean;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const PROBE_TIMEOUT_MS = 5_000;

/** An S3 client set up the way RGW 16 needs it (path style, no default streaming checksums). */
export function createS3Client(
  server: Pick<S3Server, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'>,
  extra: S3ClientConfig = {},
): S3Client {
  // As src/store/s3-store.ts does: the SDK's "needs Node 22 from 2027" warning is not the tests' business.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...extra,
  });
}

/** What a client needs to reach the test bucket; spread a server and override a field to point elsewhere. */
export type S3Access = Pick<S3Server, 'bucket' | 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'>;

/** botctl's own S3 object store on the bucket, as `botctl upload` and botd open it. Close it when done. */
export function s3StoreOn(access: S3Access): ObjectStore {
  return s3Store({
    bucket: access.bucket,
    endpoint: access.endpoint,
    region: access.region,
    credentials: { accessKeyId: access.accessKeyId, secretAccessKey: access.secretAccessKey },
  });
}

/** The environment that points botctl and botd at the bucket (BOTCTL_S3_* and the SDK's AWS_* variables). */
export function s3Environment(access: S3Access): Record<string, string> {
  return {
    BOTCTL_S3_BUCKET: access.bucket,
    BOTCTL_S3_ENDPOINT: access.endpoint,
    AWS_REGION: access.region,
    AWS_ACCESS_KEY_ID: access.accessKeyId,
    AWS_SECRET_ACCESS_KEY: access.secretAccessKey,
  };
}

/** For a test that needs a wrong secret refused: skips it on s3rver with the reason (CI always has RGW). */
export function skipUnlessSignaturesVerified(server: S3Server, skip: (condition: boolean, note: string) => void): void {
  skip(!server.verifiesSignatures, `${server.kind} accepts any secret (allowMismatchedSignatures); Ceph RGW checks it`);
}

/**
 * Starts Ceph RGW if radosgw, ceph-mon and ceph-osd are installed, else (not in CI) s3rver.
 * The bucket exists and is empty. Call stop() when done; it is safe to call once.
 */
export async function startS3Server(): Promise<S3Server> {
  const started = Date.now();
  const inCi = process.env.CI === 'true';
  // S3_SERVER=s3rver forces the fallback, to try it where Ceph is installed; CI must use RGW.
  const forceFallback = process.env.S3_SERVER === 's3rver';
  if (forceFallback && inCi) throw new Error('S3_SERVER=s3rver is not allowed with CI=true: CI must use Ceph RGW');
  const ceph = forceFallback ? undefined : findCephBinaries();
  let server: S3Server;
  if (ceph) {
    server = await startCephRgw(ceph);
  } else if (inCi) {
    throw new Error('CI=true but Ceph (radosgw, ceph-mon, ceph-osd) is not installed: run .ci/install-ceph.sh as root');
  } else {
    server = await startS3rver();
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`[s3] using ${server.kind} at ${server.endpoint} (up in ${secs} s)\n`);
  return server;
}

// ---------------------------------------------------------------- Ceph RGW

interface CephBinaries {
  mon: string;
  osd: string;
  rgw: string;
  ceph: string;
  radosgwAdmin: string;
  monmaptool: string;
}

function findCephBinaries(): CephBinaries | undefined {
  const mon = which('ceph-mon');
  const osd = which('ceph-osd');
  const rgw = which('radosgw');
  if (!mon || !osd || !rgw) return undefined;
  const ceph = which('ceph');
  const radosgwAdmin = which('radosgw-admin');
  const monmaptool = which('monmaptool');
  if (!ceph || !radosgwAdmin || !monmaptool) {
    throw new Error('Ceph daemons are installed but ceph, radosgw-admin or monmaptool is missing: run .ci/install-ceph.sh');
  }
  return { mon, osd, rgw, ceph, radosgwAdmin, monmaptool };
}

function which(name: string): string | undefined {
  // Daemons may sit in sbin, which a non-root PATH often lacks.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

class StartError extends Error {}

async function startCephRgw(bins: CephBinaries): Promise<S3Server> {
  // One more try, on fresh ports and a fresh folder, when a boot fails: a port picked by binding 0 can be
  // taken before the daemon binds it, and under load a just-elected mon has answered EPERM to the next
  // command (seen in CI). A second failure is reported with both causes.
  for (let attempt = 1; ; attempt++) {
    try {
      return await bootCluster(bins, Date.now() + START_TIMEOUT_MS);
    } catch (err) {
      if (!(err instanceof StartError) || attempt >= 2) throw err;
      process.stderr.write(`[s3] ceph-rgw did not start, trying once more: ${err.message.split('\n')[0]}\n`);
    }
  }
}

interface Daemon {
  name: string;
  child: ChildProcess;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  exited: Promise<void>;
}

async function bootCluster(bins: CephBinaries, deadline: number): Promise<S3Server> {
  const dir = await mkdtemp(join(tmpdir(), 'botctl-ceph-'));
  const conf = join(dir, 'ceph.conf');
  const env = { ...process.env, CEPH_CONF: conf, CEPH_ARGS: '' };
  const daemons: Daemon[] = [];
  const watchdog = startWatchdog(dir);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // radosgw first: its shutdown hangs once the OSD is gone.
      for (const name of ['client.rgw', 'osd.0', 'mon.a']) {
        const d = daemons.find((x) => x.name === name);
        if (d) await stopDaemon(d);
      }
      await rm(dir, { recursive: true, force: true });
      if (watchdog.pid !== undefined) killGroup(watchdog.pid, 'SIGKILL');
    })();
    return stopped;
  };

  try {
    const [monPort, rgwPort] = await freePorts(2);
    if (monPort === undefined || rgwPort === undefined) throw new Error('no free ports');
    const fsid = randomUUID();
    const osdUuid = randomUUID();
    await Promise.all(['run', 'log', 'crash', 'mon', 'osd/ceph-0', 'rgw'].map((d) => mkdir(join(dir, d), { recursive: true })));
    await writeFile(conf, cephConf(dir, fsid, monPort, rgwPort));

    const run = async (file: string, args: string[], input?: string): Promise<string> => {
      const timeout = Math.max(1_000, Math.min(20_000, deadline - Date.now()));
      const r = await execa(file, args, { env, timeout, reject: false, all: true, ...(input === undefined ? { stdin: 'ignore' } : { input }) });
      // The ceph CLI reading commands from stdin exits 0 even when some of them failed.
      if (r.exitCode !== 0 || r.timedOut || (input !== undefined && /^Error [A-Z]+:/m.test(r.all))) {
        throw new StartError(`${file} ${args.join(' ')} failed (${r.timedOut ? 'timed out' : `exit ${r.exitCode}`}): ${r.all}`);
      }
      return r.stdout;
    };
    const ceph = (...args: string[]): Promise<string> => run(bins.ceph, ['-c', conf, '--connect-timeout', '5', ...args]);
    const daemon = (name: string, file: string, args: string[]): void => {
      const d = spawnDaemon(name, file, ['-f', '-c', conf, ...args], dir, env);
      daemons.push(d);
      if (d.child.pid !== undefined) appendFileSync(join(dir, 'pgids'), `${d.child.pid}\n`);
    };

    const waitFor: WaitFor = async (what, probe) => {
      let last = '';
      for (;;) {
        const dead = daemons.find((d) => d.exit);
        if (dead) throw new StartError(`${dead.name} exited (${dead.exit?.code ?? dead.exit?.signal}) while waiting for ${what}`);
        try {
          // A daemon's death ends the wait at once rather than after the probe's time-out.
          const died = Promise.race(daemons.map((d) => d.exited)).then(() => undefined);
          const v = await Promise.race([probe(Math.max(500, Math.min(PROBE_TIMEOUT_MS, deadline - Date.now()))), died]);
          if (v !== undefined) return v;
        } catch (err) {
          last = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        }
        if (Date.now() > deadline) throw new StartError(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
        await sleep(100);
      }
    };

    // mon. v1 only: a bare ip:port becomes a v2 address, which the OSD can't reach with msgr2 off.
    await run(bins.monmaptool, ['--create', '--fsid', fsid, '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, join(dir, 'monmap')]);
    await run(bins.mon, ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap')]);
    daemon('mon.a', bins.mon, ['-i', 'a']);

    // osd.0, registered by the first command the mon answers (idempotent by uuid)
    await waitFor('ceph-mon', async () => (await ceph('osd', 'create', osdUuid, '0'), true));
    const osdStarted = (async () => {
      await run(bins.osd, ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid]);
      daemon('osd.0', bins.osd, ['-i', '0']);
    })();
    // Meanwhile, in one ceph CLI (each start costs ~0.3 s of Python): place the OSD in CRUSH
    // (crush update on start is off) and pre-create the RGW pools, so that neither
    // radosgw-admin nor the first PutObject waits on pool creation.
    const pools = ['.rgw.root', 'default.rgw.control', 'default.rgw.meta', 'default.rgw.log',
      'default.rgw.buckets.index', 'default.rgw.buckets.data', 'default.rgw.buckets.non-ec'];
    const monScript = [
      'osd crush add osd.0 1.0 host=localhost root=default',
      ...pools.flatMap((p) => [`osd pool create ${p} 8 8 replicated`, `osd pool application enable ${p} rgw`]),
    ];
    await Promise.all([osdStarted, run(bins.ceph, ['-c', conf, '--connect-timeout', '5'], `${monScript.join('\n')}\n`)]);
    await waitFor('ceph-osd up', async () => {
      const stat = JSON.parse(await ceph('osd', 'stat', '--format', 'json')) as { num_up_osds?: number };
      return (stat.num_up_osds ?? 0) >= 1 ? true : undefined;
    });

    // S3 user, then the gateway
    const accessKeyId = `BOTCTL${randomBytes(7).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(20).toString('hex');
    await run(bins.radosgwAdmin, ['-c', conf, 'user', 'create', '--uid', 'botctl-test', '--display-name', 'botctl test',
      '--access-key', accessKeyId, '--secret-key', secretAccessKey]);
    daemon('client.rgw', bins.rgw, ['-n', 'client.rgw']);

    const server: S3Server = {
      kind: 'ceph-rgw',
      verifiesSignatures: true,
      endpoint: `http://127.0.0.1:${rgwPort}`,
      region: REGION,
      accessKeyId,
      secretAccessKey,
      bucket: `botctl-test-${randomBytes(4).toString('hex')}`,
      stop,
    };
    await createBucketWhenReady(server, waitFor);
    return server;
  } catch (err) {
    const logs = await logTail(dir);
    await stop().catch(() => undefined);
    const msg = err instanceof Error ? err.message : String(err);
    throw new StartError(`Ceph RGW failed to start (limit ${START_TIMEOUT_MS / 1000} s): ${msg}\n${logs}`);
  }
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = [v1:127.0.0.1:${monPort}]
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
ms bind msgr2 = false
ms bind ipv6 = false
ms bind retry count = 1
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
log file = ${dir}/log/$name.log
crash dir = ${dir}/crash
mon data = ${dir}/mon/$cluster-$id
osd data = ${dir}/osd/$cluster-$id
keyring = ${dir}/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
# a nearly full /tmp must not shut the mon down
mon data avail crit = 0
mon data avail warn = 0
# measured: start-up ~17 s -> ~2.5 s
paxos propose interval = 0.05
osd objectstore = memstore
memstore device bytes = 1073741824
# both avoid a 'wrong fsid' death at OSD boot; we place the OSD in CRUSH ourselves
osd class update on start = false
osd crush update on start = false

[client]
# concurrent ceph CLI runs would fight over one client.admin.asok
admin socket = ${dir}/run/$name.$pid.asok

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort} tcp_nodelay=1
rgw data = ${dir}/rgw
rgw thread pool size = 32
rgw dynamic resharding = false
rgw enable usage log = false
`;
}

// Kills the daemons' process groups and removes dir once this process goes away by any means
// (even SIGKILL): its stdin pipe from us then hits EOF. stop() kills it after a clean shutdown.
function startWatchdog(dir: string): ChildProcess {
  const script = 'cat >/dev/null; for g in $(cat "$1/pgids" 2>/dev/null); do kill -9 "-$g" 2>/dev/null; done; rm -rf -- "$1"';
  const child = spawn('/bin/sh', ['-c', script, 'ceph-watchdog', dir], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.unref();
  // Don't let the pipe keep the event loop alive.
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return child;
}

function spawnDaemon(name: string, file: string, args: string[], dir: string, env: NodeJS.ProcessEnv): Daemon {
  const out = openSync(join(dir, 'log', `${name}.stdout`), 'a');
  let child: ChildProcess;
  try {
    // Own process group, so a kill reaches every process of the daemon.
    child = spawn(file, args, { detached: true, stdio: ['ignore', out, out], env });
  } finally {
    closeSync(out);
  }
  const daemon: Daemon = { name, child, exit: undefined, exited: Promise.resolve() };
  daemon.exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      daemon.exit = { code, signal };
      resolve();
    });
    child.once('error', (err) => {
      daemon.exit = { code: -1, signal: null };
      appendFileSync(join(dir, 'log', `${name}.stdout`), `spawn failed: ${err.message}\n`);
      resolve();
    });
  });
  child.unref();
  return daemon;
}

async function stopDaemon(d: Daemon): Promise<void> {
  const pgid = d.child.pid;
  if (pgid === undefined) return;
  if (!d.exit) {
    killGroup(pgid, 'SIGTERM');
    await Promise.race([d.exited, sleep(STOP_GRACE_MS)]);
  }
  // Also reaches anything left in the group after the leader exited.
  killGroup(pgid, 'SIGKILL');
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

async function logTail(dir: string, lines = 15): Promise<string> {
  const logDir = join(dir, 'log');
  const names = await readdir(logDir).catch(() => [] as string[]);
  const parts: string[] = [];
  for (const name of names.sort()) {
    const text = await readFile(join(logDir, name), 'utf8').catch(() => '');
    const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
    if (tail) parts.push(`--- ${name} (last ${lines} lines) ---\n${tail}`);
  }
  return parts.join('\n') || '(no ceph logs)';
}

// ---------------------------------------------------------------- npm fallback

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;

async function startS3rver(): Promise<S3Server> {
  const dir = await mkdtemp(join(tmpdir(), 'botctl-s3rver-'));
  // A variable specifier keeps tsc from needing types for this untyped dev dependency.
  const specifier = '@20minutes/s3rver';
  const mod = (await import(specifier)) as { default: S3rverCtor };
  const s3rver = new mod.default({
    address: '127.0.0.1', port: 0, silent: true, directory: dir, vhostBuckets: false,
    // s3rver signs bucket-level paths without the trailing slash the SDK now sends ('/bucket/'), so
    // every CreateBucket/ListObjects would fail SignatureDoesNotMatch. Unknown access keys still fail.
    allowMismatchedSignatures: true,
  });
  const cleanup = async (): Promise<void> => {
    await s3rver.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const { port } = await s3rver.run();
    let stopped: Promise<void> | undefined;
    const server: S3Server = {
      kind: 's3rver',
      verifiesSignatures: false,
      endpoint: `http://127.0.0.1:${port}`,
      region: REGION,
      // s3rver's only account
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      bucket: `botctl-test-${randomBytes(4).toString('hex')}`,
      stop: () => (stopped ??= cleanup()),
    };
    const deadline = Date.now() + 10_000;
    await createBucketWhenReady(server, async (what, probe) => {
      for (;;) {
        try {
          const v = await probe(PROBE_TIMEOUT_MS);
          if (v !== undefined) return v;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`s3rver: timed out waiting for ${what}: ${String(err)}`);
        }
        await sleep(50);
      }
    });
    return server;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

// ---------------------------------------------------------------- shared

/** Polls probe (given its time budget in ms) until it returns a value. */
type WaitFor = <T>(what: string, probe: (budgetMs: number) => Promise<T | undefined>) => Promise<T>;

async function createBucketWhenReady(server: S3Server, waitFor: WaitFor): Promise<void> {
  // No SDK retries, and every call bounded: a port taken by something else may accept and never answer.
  const client = createS3Client(server, {
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: PROBE_TIMEOUT_MS, throwOnRequestTimeout: true },
  });
  const opts = (budgetMs: number): { abortSignal: AbortSignal } => ({ abortSignal: AbortSignal.timeout(budgetMs) });
  try {
    await waitFor('S3 ListBuckets', async (ms) => (await client.send(new ListBucketsCommand({}), opts(ms)), true));
    await waitFor('S3 CreateBucket', async (ms) => {
      try {
        await client.send(new CreateBucketCommand({ Bucket: server.bucket }), opts(ms));
      } catch (err) {
        // A retry after a timed-out first attempt finds the bucket already there.
        if ((err as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw err;
      }
      return true;
    });
    await waitFor('S3 HeadBucket', async (ms) => (await client.send(new HeadBucketCommand({ Bucket: server.bucket }), opts(ms)), true));
  } finally {
    client.destroy();
  }
}
