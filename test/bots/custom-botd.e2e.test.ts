// The real botd (bin/botd.js) running custom bots uploaded with the real botctl into a real S3 server:
// bots that try to escape are denied and recorded while botd keeps scheduling everything else, and an
// object store that goes away stops only the versions this host has not cached yet.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceCachePath } from '../../src/bots/source-cache.js';
import type { Run } from '../../src/db/schema.js';
import { homePaths } from '../../src/home.js';
import { addSubscription, until } from '../daemon/helpers.js';
import { botctl, botdBin } from '../support/cli.js';
import { useTemporaryDatabase } from '../support/database.js';
import { s3Environment, startS3Server, type S3Server } from '../support/s3-server.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/custom/${name}`, import.meta.url));
const everyTwoSeconds = '*/2 * * * * *';

let server: S3Server;
let proxy: Proxy;
let botd: ResultPromise | undefined;
let botdOutput = '';
const temp = useTemporaryDatabase();
const masterKey = randomBytes(32).toString('base64');

// The store botd sees sits behind this proxy, which the test can cut and restore: S3 down, S3 back.
interface Proxy {
  endpoint: string;
  up: boolean;
  close(): Promise<void>;
}

async function startProxy(target: string): Promise<Proxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const state = { up: true };
  const listener: Server = createServer((client) => {
    if (!state.up) return client.resetAndDestroy();
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    get up() {
      return state.up;
    },
    set up(value: boolean) {
      state.up = value;
      // Kept-alive connections would otherwise outlive the outage.
      if (!value) for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      listener.close(() => resolve());
    }),
  };
}

async function upload(file: string, args: string[] = []): Promise<{ id: number; version: number; sha256: string }> {
  const r = await botctl(temp.home, ['upload', fixture(file), ...args, '--json'], { env: { ...s3Environment(server), ...temp.env } });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.json as { id: number; version: number; sha256: string };
}

async function finishedRuns(subscriptionId: number): Promise<Run[]> {
  return temp.db
    .selectFrom('runs')
    .selectAll()
    .where('subscription_id', '=', subscriptionId)
    // Skipped slots (the previous run still going, or every worker busy) say nothing about the bot.
    .where('status', 'not in', ['running', 'skipped'])
    .orderBy('id')
    .execute();
}

beforeAll(async () => {
  server = await startS3Server();
  process.stderr.write(`[custom-botd.e2e.test] botd fetches custom bots from ${server.kind}\n`);
  proxy = await startProxy(server.endpoint);
});

afterAll(async () => {
  if (botd?.pid !== undefined && botd.exitCode === null) botd.kill('SIGKILL');
  await botd?.catch(() => undefined);
  await proxy?.close();
  await server?.stop();
});

// Deadlines only catch a hang: at load 25 on 2 cores, the ten uploads below took over 180 s and botd's first
// runs of ten subscriptions (snapshot builds, S3 fetches) over 90 s.
const hangMs = 300_000;

describe('botd running custom bots', { timeout: 900_000 }, () => {
  const subs: Record<string, number> = {};
  let offline: { v1: { sha256: string }; v2: { sha256: string } };

  it('starts with escaping bots, well-behaved bots and an unreachable-version bot scheduled every two seconds', async () => {
    const { db } = temp;
    const add = async (name: string, file: string, config: unknown = {}, pinned: number | null = null) => {
      const bot = await upload(file, ['--name', name]);
      // A deadline that only catches a hang: by default it would be 1.6 s (0.8 of the period), less than a
      // sandboxed child's start on a loaded machine, and a denied or a clean run would be recorded timed_out.
      subs[name] = await addSubscription(db, bot.id, { schedule: everyTwoSeconds, config, timeoutMs: 60_000 });
      if (pinned !== null) await db.updateTable('subscriptions').set({ pinned_version: pinned }).where('id', '=', subs[name]!).execute();
      return bot;
    };
    await add('counter', 'counter_bot.ts');
    await add('reads_db', 'reads_file.ts', { path: homePaths(temp.home).database });
    await add('reads_master_key', 'reads_file.ts', { path: homePaths(temp.home).masterKey });
    await add('reads_passwd', 'reads_file.ts', { path: '/etc/passwd' });
    await add('writes_file', 'writes_file.ts', { path: join(temp.home, 'written-by-bot.txt') });
    await add('spawns_process', 'spawns_process.ts');
    await add('starts_worker', 'starts_worker.ts');
    await add('reads_env', 'reads_env.ts');

    // Two versions: v1 runs once while S3 is up (and is cached); v2 is new and not cached on this host.
    const v1 = await add('offline', 'counter_bot.ts', {}, 1);
    const v2 = await upload('counter_bot_v2.ts', ['--bot', String(v1.id)]);
    expect(v2.version).toBe(2);
    offline = { v1, v2 };
    rmSync(sourceCachePath(temp.home, v1.sha256));
    rmSync(sourceCachePath(temp.home, v2.sha256));

    botd = execa(process.execPath, [botdBin, 'start', '--home', temp.home, '--max-failures', '1000', '--kill-grace', '500', '--concurrency', '8'], {
      // The secrets a bot would love to find, in botd's own environment.
      env: { ...s3Environment({ ...server, endpoint: proxy.endpoint }), ...temp.env, BOTCTL_MASTER_KEY: masterKey, NO_COLOR: '1' },
      extendEnv: false,
      reject: false,
      all: true,
      buffer: false,
    });
    botd.all?.on('data', (chunk: Buffer) => (botdOutput += chunk.toString()));
    await until('botd to start', () => botdOutput.includes('"msg"'), hangMs);
  });

  it('records each escape attempt as a denied, failed run', async () => {
    // What the permission model refused each one, as the run's error records it (with Node's code).
    const refused: Record<string, string> = {
      reads_db: 'FileSystemRead',
      reads_master_key: 'FileSystemRead',
      reads_passwd: 'FileSystemRead',
      writes_file: 'FileSystemWrite',
      spawns_process: 'ChildProcess',
      starts_worker: 'WorkerThreads',
    };
    for (const [name, permission] of Object.entries(refused)) {
      const [run] = await until(`a finished run of ${name}`, async () => {
        const runs = await finishedRuns(subs[name]!);
        return runs.length ? runs : undefined;
      }, hangMs);
      expect(run!.status, name).toBe('failed');
      expect(run!.error, name).toMatch(new RegExp(`^ERR_ACCESS_DENIED: Access to this API has been restricted[^(]* \\(${permission}(: [^)]+)?\\)$`));
      // The error is in runs.error once; the tail keeps the stack's frames in the bot's own file, none of the bundle's.
      expect(run!.log_tail, name).not.toMatch(/cache\/bundles|node:internal\/(?!worker)/);
      expect(run!.log_tail, name).not.toContain('LEAKED');
    }
    expect(existsSync(join(temp.home, 'written-by-bot.txt'))).toBe(false);
  });

  it("shows a bot none of botd's environment", async () => {
    const [run] = await until('a finished run of reads_env', async () => {
      const runs = await finishedRuns(subs.reads_env!);
      return runs.length ? runs : undefined;
    }, hangMs);
    expect(run!.status).toBe('succeeded');
    for (const secret of [masterKey, server.secretAccessKey, server.accessKeyId, server.bucket]) expect(run!.log_tail).not.toContain(secret);
  });

  it('keeps running everything else, tick after tick', async () => {
    const runs = await until('three successful counter runs', async () => {
      const r = (await finishedRuns(subs.counter!)).filter((x) => x.status === 'succeeded');
      return r.length >= 3 ? r : undefined;
    }, hangMs);
    expect(runs.at(-1)!.log_tail).toMatch(/from counter_bot v1, run \d+/);
    // The escaping bots are still scheduled too: botd did not stop or drop them.
    await until('a second run of each escaping bot', async () => {
      for (const name of ['reads_db', 'spawns_process', 'starts_worker']) if ((await finishedRuns(subs[name]!)).length < 2) return false;
      return true;
    }, hangMs);
    expect(botd!.exitCode).toBeNull();
  });

  it('with S3 down, runs the cached version and fails the uncached one with a clear reason, then recovers', async () => {
    const sub = subs.offline!;
    // v1 has run (and is cached) while S3 was up.
    await until('offline v1 to succeed', async () => (await finishedRuns(sub)).some((r) => r.status === 'succeeded'), hangMs);
    expect(existsSync(sourceCachePath(temp.home, offline.v1.sha256))).toBe(true);

    proxy.up = false;
    const downSince = (await finishedRuns(sub)).at(-1)!.id;
    await until('v1 to run from the cache with S3 down', async () =>
      (await finishedRuns(sub)).some((r) => r.id > downSince && r.status === 'succeeded' && r.code_sha256 === offline.v1.sha256),
      hangMs,
    );
    // Follow the newest version, which this host has never fetched.
    await temp.db.updateTable('subscriptions').set({ pinned_version: null }).where('id', '=', sub).execute();
    const failed = await until('a run of the uncached v2 to fail', async () =>
      (await finishedRuns(sub)).find((r) => r.id > downSince && r.status === 'failed'),
      hangMs,
    );
    expect(failed.error).toContain('offline v2');
    expect(failed.error).toContain('is not cached on this host and the object store could not be read');
    expect(failed.error).toContain(proxy.endpoint);
    await until('another failed tick', async () => (await finishedRuns(sub)).some((r) => r.id > failed.id && r.status === 'failed'), hangMs);

    proxy.up = true;
    const recovered = await until('v2 to run once S3 is back', async () =>
      (await finishedRuns(sub)).find((r) => r.id > failed.id && r.status === 'succeeded'),
      hangMs,
    );
    expect(recovered.code_sha256).toBe(offline.v2.sha256);
    expect(recovered.log_tail).toContain('from counter_bot v2');
    expect(botd!.exitCode).toBeNull();
  });

  it('stops cleanly on SIGTERM', async () => {
    botd!.kill('SIGTERM');
    const result = await botd!;
    expect(result.exitCode, botdOutput.slice(-2000)).toBe(0);
    const running = await temp.db.selectFrom('runs').select('id').where('status', '=', 'running').execute();
    expect(running).toEqual([]);
  });
});
