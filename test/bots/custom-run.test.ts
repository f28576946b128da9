// Custom bots through the real runner: versions from a real S3 server (Ceph RGW where installed), the local
// source cache, digest checks, and the sandbox holding against bots that try to break out.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/bots/digest.js';
import { sourceCachePath } from '../../src/bots/source-cache.js';
import { uploadBot } from '../../src/bots/upload.js';
import { pinSubscription } from '../../src/bots/versions.js';
import { runExecution, type RunnerOptions } from '../../src/daemon/runner.js';
import type { Run } from '../../src/db/schema.js';
import { homePaths } from '../../src/home.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { addSubscription } from '../daemon/helpers.js';
import { useTemporaryDatabase } from '../support/database.js';
import { unreachableEndpoint } from '../support/ports.js';
import { createS3Client, s3Environment, s3StoreOn, startS3Server, type S3Server } from '../support/s3-server.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/custom/${name}`, import.meta.url));
const slot = () => new Date(Date.now() + Math.floor(Math.random() * 1e6)).toISOString();

let server: S3Server;
const temp = useTemporaryDatabase();
let store: ObjectStore;
let options: RunnerOptions;
const savedEnv = { ...process.env };

// botd reads its store from the environment, as in production.
function pointBotdAt(endpoint: string): void {
  Object.assign(process.env, s3Environment({ ...server, endpoint }));
}

beforeAll(async () => {
  server = await startS3Server();
  process.stderr.write(`[custom-run.test] custom bot versions are stored in ${server.kind}\n`);
  store = s3StoreOn(server);
  options = { home: temp.home, connection: temp.connection, killGraceMs: 500 };
  pointBotdAt(server.endpoint);
});

afterAll(async () => {
  process.env = savedEnv;
  store?.close();
  await server?.stop();
});

async function run(subscriptionId: number): Promise<Run> {
  const report = await runExecution(options, { subscriptionId, scheduledFor: slot(), requireEnabled: true });
  expect(report.runId).not.toBeNull();
  return temp.db.selectFrom('runs').selectAll().where('id', '=', report.runId!).executeTakeFirstOrThrow();
}

async function upload(file: string, extra: { name?: string; bot?: string } = {}) {
  return uploadBot(temp.db, temp.home, store, { file: fixture(file), ...extra });
}

describe('custom bot versions at run time', () => {
  it('runs the newest version unpinned, a pinned one after `pin`, and the newest again after `pin latest`', async () => {
    const v1 = await upload('counter_bot.ts');
    const sub = await addSubscription(temp.db, v1.bot.id, { config: { greeting: 'hi' } });
    const first = await run(sub);
    expect(first).toMatchObject({ status: 'succeeded', code_sha256: v1.version.sha256 });
    expect(first.log_tail).toContain('hi from counter_bot v1, run 1');

    const v2 = await upload('counter_bot_v2.ts', { bot: String(v1.bot.id) });
    const second = await run(sub);
    expect(second).toMatchObject({ status: 'succeeded', code_sha256: v2.version.sha256 });
    expect(second.log_tail).toContain('from counter_bot v2, run 2');

    await pinSubscription(temp.db, String(sub), '1');
    const rolledBack = await run(sub);
    expect(rolledBack).toMatchObject({ status: 'succeeded', code_sha256: v1.version.sha256 });
    expect(rolledBack.log_tail).toContain('counter_bot v1, run 3');

    await pinSubscription(temp.db, String(sub), 'latest');
    expect((await run(sub)).code_sha256).toBe(v2.version.sha256);
  });

  it('fetches a version once and runs it from the cache while S3 is down; one not cached fails and is retried on the next tick', async () => {
    const v1 = await upload('counter_bot.ts', { name: 'offline_bot' });
    const sub = await addSubscription(temp.db, v1.bot.id);
    // The upload warmed this host's cache; another host would start without it.
    rmSync(sourceCachePath(temp.home, v1.version.sha256));
    expect((await run(sub)).status).toBe('succeeded');
    expect(sha256(readFileSync(sourceCachePath(temp.home, v1.version.sha256)))).toBe(v1.version.sha256);

    const v2 = await upload('counter_bot_v2.ts', { bot: String(v1.bot.id) });
    rmSync(sourceCachePath(temp.home, v2.version.sha256));
    const down = await unreachableEndpoint();
    pointBotdAt(down);
    try {
      // v2 is the newest and not cached: the run fails with the reason, and nothing else breaks.
      const failed = await run(sub);
      expect(failed.status).toBe('failed');
      expect(failed.error).toContain('offline_bot v2');
      expect(failed.error).toContain('is not cached on this host and the object store could not be read');
      expect(failed.error).toContain(down);
      expect(failed.error).toContain('the next scheduled run tries again');
      // v1 is cached: pinned to it, the subscription runs with S3 down.
      await pinSubscription(temp.db, String(sub), '1');
      expect(await run(sub)).toMatchObject({ status: 'succeeded', code_sha256: v1.version.sha256 });
      await pinSubscription(temp.db, String(sub), 'latest');
    } finally {
      pointBotdAt(server.endpoint);
    }
    // S3 is back: the next tick fetches v2 and runs it.
    expect(await run(sub)).toMatchObject({ status: 'succeeded', code_sha256: v2.version.sha256 });
  });

  it('refuses an object whose bytes no longer match the recorded sha256, records the run so, and caches nothing', async () => {
    const { bot, version } = await upload('counter_bot.ts', { name: 'tampered_bot' });
    const sub = await addSubscription(temp.db, bot.id);
    rmSync(sourceCachePath(temp.home, version.sha256));
    // Someone with write access to the bucket replaces the object behind botctl's back.
    const evil = Buffer.from(readFileSync(fixture('counter_bot.ts'), 'utf8').replace("ctx.log.info(", "ctx.log.info('EVIL'), ctx.log.info("));
    const raw = createS3Client(server);
    try {
      await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: version.code_path, Body: evil, Metadata: { sha256: version.sha256 } }));
    } finally {
      raw.destroy();
    }
    const refused = await run(sub);
    expect(refused.status).toBe('failed');
    expect(refused.error).toContain('sha256 digest mismatch');
    expect(refused.error).toContain(`but ${version.sha256} was recorded at upload`);
    expect(refused.code_sha256).toBeNull();
    expect(existsSync(sourceCachePath(temp.home, version.sha256))).toBe(false);
  });

  it('does not trust a damaged cache entry: it fetches the version again', async () => {
    const { bot, version } = await upload('counter_bot.ts', { name: 'recached_bot' });
    const sub = await addSubscription(temp.db, bot.id);
    writeFileSync(sourceCachePath(temp.home, version.sha256), 'export default 1; // damaged');
    expect(await run(sub)).toMatchObject({ status: 'succeeded', code_sha256: version.sha256 });
    expect(sha256(readFileSync(sourceCachePath(temp.home, version.sha256)))).toBe(version.sha256);
  });
});

describe('the sandbox around custom code', () => {
  // Each bot reaches its capability without a static import (which upload refuses): process.getBuiltinModule,
  // a computed dynamic import, module.createRequire. The permission model must stop it at run time.
  const denied = 'Access to this API has been restricted';

  async function attempt(file: string, config: unknown = {}): Promise<Run> {
    const { bot } = await upload(file, { name: `${file.replace('.ts', '')}_${randomBytes(3).toString('hex')}` });
    return run(await addSubscription(temp.db, bot.id, { config }));
  }

  // The recorded error says why: Node's code, the permission refused and, where Node names it, the resource
  // (Node 22+ adds a hint to the message, and names the spawned file too).
  function expectDenied(r: Run, where: RegExp, permission: string, resource?: string): void {
    expect(r.status).toBe('failed');
    const named = resource === undefined ? '(: [^)]+)?' : `: ${escapeRegExp(resource)}`;
    expect(r.error).toMatch(new RegExp(`^ERR_ACCESS_DENIED: ${escapeRegExp(denied)}[^(]* \\(${permission}${named}\\)$`));
    // The stack in the log tail names the API that was refused.
    expect(r.log_tail).toMatch(where);
    expect(r.log_tail).not.toContain('LEAKED');
  }

  it('denies reading the database file', async () => {
    const database = homePaths(temp.home).database;
    expectDenied(await attempt('reads_file.ts', { path: database }), /readFileSync/, 'FileSystemRead', database);
  });

  it('denies reading the master key file', async () => {
    const keyFile = homePaths(temp.home).masterKey;
    if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    expectDenied(await attempt('reads_file.ts', { path: keyFile }), /readFileSync/, 'FileSystemRead', keyFile);
  });

  it('denies reading /etc/passwd', async () => {
    const r = await attempt('reads_file.ts', { path: '/etc/passwd' });
    expectDenied(r, /readFileSync/, 'FileSystemRead', '/etc/passwd');
    expect(r.error).toMatch(/^ERR_ACCESS_DENIED: Access to this API has been restricted.* \(FileSystemRead: \/etc\/passwd\)$/);
  });

  it('denies writing a file', async () => {
    const target = `${temp.home}/written-by-bot.txt`;
    expectDenied(await attempt('writes_file.ts', { path: target }), /openSync|writeFileSync/, 'FileSystemWrite', target);
    expect(existsSync(target)).toBe(false);
  });

  it('denies spawning a process', async () => {
    expectDenied(await attempt('spawns_process.ts'), /execFileSync|spawnSync/, 'ChildProcess');
  });

  it('denies starting a worker thread', async () => {
    expectDenied(await attempt('starts_worker.ts'), /Worker/, 'WorkerThreads');
  });

  it("shows the bot none of botd's environment: no master key, no S3 credentials", async () => {
    const secrets = { BOTCTL_MASTER_KEY: randomBytes(16).toString('hex'), AWS_SECRET_ACCESS_KEY: server.secretAccessKey };
    Object.assign(process.env, secrets);
    const r = await attempt('reads_env.ts');
    expect(r.status).toBe('succeeded');
    const env = JSON.parse(/ENV (\{.*\})/.exec(r.log_tail ?? '')?.[1] ?? 'null') as Record<string, string>;
    // bwrap sets PWD (to /, its working directory inside the sandbox) whatever it is given.
    expect(Object.keys(env).filter((name) => name !== 'PWD').sort()).toEqual(['LANG', 'NODE_ENV', 'TZ']);
    expect(env.PWD ?? '/').toBe('/');
    for (const value of [...Object.values(secrets), server.accessKeyId, temp.home]) expect(r.log_tail).not.toContain(value);
  });

  it('keeps running bots after all of that', async () => {
    const { bot } = await upload('counter_bot.ts', { name: 'after_the_storm' });
    expect((await run(await addSubscription(temp.db, bot.id))).status).toBe('succeeded');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
