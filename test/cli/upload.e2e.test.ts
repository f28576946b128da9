// End to end: the real bin/botctl.js uploading custom bots into a real S3 server (Ceph RGW where Debian's
// packages are installed, else s3rver), cross-checked with an independent client, Debian's awscli.
import { readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/bots/digest.js';
import { doctor } from '../../src/bots/doctor.js';
import { orphanGraceMs } from '../../src/bots/orphans.js';
import { openDatabase } from '../../src/db/open.js';
import { localStore } from '../../src/store/local-store.js';
import { botctl as run, type CliResult } from '../support/cli.js';
import { snapshotDatabase } from '../support/db-snapshot.js';
import { temporaryHome } from '../support/home.js';
import { unreachableEndpoint } from '../support/ports.js';
import { aws, awsCli } from '../support/aws-cli.js';
import { createS3Client, s3Environment, s3StoreOn, skipUnlessSignaturesVerified, startS3Server, type S3Access, type S3Server } from '../support/s3-server.js';
import { requireTool } from '../support/tools.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/custom/${name}`, import.meta.url));

let server: S3Server;
const { home, remove } = temporaryHome();

beforeAll(async () => {
  server = await startS3Server();
  process.stderr.write(`[upload.e2e.test] botctl upload runs against ${server.kind}\n`);
});
afterAll(async () => {
  remove();
  await server?.stop();
});

const botctl = (args: string[], env: Record<string, string> = s3Environment(server)) => run(home, args, { env });

// awscli, knowing nothing of botctl, cross-checks the stored bytes and metadata where it is installed.
async function awsOut(args: string[], encoding: 'utf8' | 'buffer' = 'utf8') {
  const result = await aws(server, args, encoding);
  expect(result.exitCode, String(result.stderr)).toBe(0);
  return result.stdout;
}

// What is in the bucket under a prefix (key and size), listed with a client of its own.
async function listBucket(prefix: string, bucket = server.bucket): Promise<{ key: string; size: number }[]> {
  const client = createS3Client(server);
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0 }));
  } finally {
    client.destroy();
  }
}

function ok(result: CliResult): unknown {
  expect(result.exitCode, result.stderr).toBe(0);
  return result.json;
}

interface Uploaded {
  id: number;
  name: string;
  kind: string;
  version: number;
  code_path: string;
  sha256: string;
  bundle_path: string;
  bundle_sha256: string;
  reused: boolean;
  store: string;
}

describe('botctl upload into S3', () => {
  let first: Uploaded;
  let subscription: number;

  it('stores the source, and a bundle, with the sha256 of each', async () => {
    const source = readFileSync(fixture('counter_bot.ts'));
    first = ok(await botctl(['upload', fixture('counter_bot.ts'), '--developer', 'alice', '--json'])) as Uploaded;
    expect(first).toMatchObject({
      name: 'counter_bot',
      kind: 'custom',
      version: 1,
      code_path: `bots/alice/${first.id}/v1/counter_bot.ts`,
      bundle_path: `bots/alice/${first.id}/v1/bundle.mjs`,
      sha256: sha256(source),
      reused: false,
      store: `s3://${server.bucket} at ${server.endpoint}`,
    });
    expect((await listBucket(`bots/alice/${first.id}/`)).map((o) => o.key).sort()).toEqual([first.bundle_path, first.code_path]);
  });

  it('awscli reads the source back byte for byte, with its sha256 as object metadata', async (ctx) => {
    requireTool(awsCli, (note) => ctx.skip(note));
    const source = readFileSync(fixture('counter_bot.ts'));
    const downloaded = (await awsOut(['s3', 'cp', `s3://${server.bucket}/${first.code_path}`, '-'], 'buffer')) as unknown as Uint8Array;
    expect(Buffer.from(downloaded).equals(source)).toBe(true);
    const head = JSON.parse(String(await awsOut(['s3api', 'head-object', '--bucket', server.bucket, '--key', first.code_path]))) as { Metadata: Record<string, string>; ContentLength: number };
    expect(head.Metadata).toEqual({ sha256: sha256(source) });
    expect(head.ContentLength).toBe(source.byteLength);

    const bundle = (await awsOut(['s3', 'cp', `s3://${server.bucket}/${first.bundle_path}`, '-'], 'buffer')) as unknown as Uint8Array;
    expect(sha256(bundle)).toBe(first.bundle_sha256);
    const bundleHead = JSON.parse(String(await awsOut(['s3api', 'head-object', '--bucket', server.bucket, '--key', first.bundle_path]))) as { Metadata: Record<string, string> };
    expect(bundleHead.Metadata).toEqual({ sha256: first.bundle_sha256, 'source-sha256': sha256(source) });
  });

  it('reuses the version for identical content and stores nothing new', async () => {
    const before = await listBucket('bots/');
    const again = ok(await botctl(['upload', fixture('counter_bot.ts'), '--developer', 'alice', '--json'])) as Uploaded;
    expect(again).toMatchObject({ id: first.id, version: 1, reused: true, code_path: first.code_path });
    expect(await listBucket('bots/')).toEqual(before);
  });

  it('adds v2 with --bot and lists both with `versions`', async () => {
    const v2 = ok(await botctl(['upload', fixture('counter_bot_v2.ts'), '--bot', String(first.id), '--json'])) as Uploaded;
    expect(v2).toMatchObject({ id: first.id, version: 2, code_path: `bots/alice/${first.id}/v2/counter_bot_v2.ts` });
    const versions = ok(await botctl(['versions', 'alice/counter_bot', '--json'])) as { version: number; latest: boolean; sha256: string }[];
    expect(versions.map((v) => [v.version, v.latest])).toEqual([[1, false], [2, true]]);
    const human = await botctl(['versions', String(first.id)]);
    expect(human.stdout).toMatch(/latest/);
  });

  it('subscribe --version pins; pin rolls back and forward; pin latest follows uploads', async () => {
    const sub = ok(await botctl(['subscribe', String(first.id), '--pair', 'BTC/USDT:USDT', '--schedule', '*/5 * * * *', '--version', '1', '--json'])) as { id: number; pinned_version: number | null };
    expect(sub.pinned_version).toBe(1);
    subscription = sub.id;
    expect(ok(await botctl(['pin', String(subscription), '2', '--json']))).toMatchObject({ pinned_version: 2, runs_version: 2 });
    expect(ok(await botctl(['pin', String(subscription), 'latest', '--json']))).toMatchObject({ pinned_version: null, runs_version: 2 });
    const versions = ok(await botctl(['versions', String(first.id), '--json'])) as { version: number; subscriptions: number }[];
    expect(versions.map((v) => v.subscriptions)).toEqual([0, 1]);

    const missing = await botctl(['pin', String(subscription), '9']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(`has no version 9`);
    const noSuchVersion = await botctl(['subscribe', String(first.id), '--pair', 'BTC/USDT:USDT', '--schedule', '*/5 * * * *', '--version', '7']);
    expect(noSuchVersion.exitCode).toBe(2);
    expect(noSuchVersion.stderr).toContain('has no version 7');
    ok(await botctl(['create', '--template', 'simple_sma_bot', '--name', 'plain_sma']));
    const template = await botctl(['subscribe', 'plain_sma', '--pair', 'BTC/USDT:USDT', '--schedule', '*/5 * * * *', '--version', '1']);
    expect(template.exitCode).toBe(2);
    expect(template.stderr).toContain('`--version` pins custom bots only');
    const templateVersions = await botctl(['versions', 'plain_sma']);
    expect(templateVersions.exitCode).toBe(2);
    expect(templateVersions.stderr).toContain('is a template bot and has no versions');
  });

  it('shows a custom bot with the config fields of its newest version', async () => {
    const shown = ok(await botctl(['show', 'alice/counter_bot', '--json'])) as { kind: string; config_fields: { name: string; default: unknown }[] };
    expect(shown.kind).toBe('custom');
    expect(shown.config_fields).toEqual([expect.objectContaining({ name: 'greeting', default: 'hello' })]);
  });

  it('counts custom versions in `usage`: bots, subscriptions and bytes in the store', async () => {
    const usage = ok(await botctl(['usage', '--json'])) as { files: { code_path: string; kind: string; bots: number; subscriptions: number; bytes: number; version?: number }[] };
    const rows = usage.files.filter((f) => f.kind === 'custom');
    // Source and bundle apart, each as the bucket holds it.
    const sizes = await Promise.all(
      [1, 2].map(async (v) => {
        const objects = await listBucket(`bots/alice/${first.id}/v${v}/`);
        return { source: objects.find((o) => o.key.endsWith('.ts'))?.size, bundle: objects.find((o) => o.key.endsWith('/bundle.mjs'))?.size };
      }),
    );
    expect(rows).toEqual([
      { code_path: first.code_path, kind: 'custom', bots: 0, subscriptions: 0, bytes: sizes[0]?.source, bundle_bytes: sizes[0]?.bundle, bot_id: first.id, version: 1 },
      { code_path: `bots/alice/${first.id}/v2/counter_bot_v2.ts`, kind: 'custom', bots: 1, subscriptions: 1, bytes: sizes[1]?.source, bundle_bytes: sizes[1]?.bundle, bot_id: first.id, version: 2 },
    ]);
    expect(rows[0]?.bytes).toBe(readFileSync(fixture('counter_bot.ts')).byteLength);
  });

  it('refuses bad files with exit 2 and a precise message', async () => {
    const syntax = await botctl(['upload', fixture('syntax_error.ts')]);
    expect(syntax.exitCode).toBe(2);
    expect(syntax.stderr).toContain(`${fixture('syntax_error.ts')}:7:15: Unexpected ";"`);
    const notTs = await botctl(['upload', fixture('../bots/counter.ts').replace(/\.ts$/, '.js')]);
    expect(notTs.exitCode).toBe(2);
    expect(notTs.stderr).toContain('Expected a TypeScript file ending in .ts');
    const notBot = await botctl(['upload', fixture('not_a_bot.ts'), '--json']);
    expect(notBot.exitCode).toBe(2);
    expect(JSON.parse(notBot.stderr)).toMatchObject({ error: { code: 'invalid_input', message: expect.stringContaining('defineBot') as string } });
  });
});

describe('botctl upload with no S3 configured', () => {
  it('stores into the home folder with the same key layout, out of the box', async () => {
    const local = temporaryHome();
    try {
      const r = await run(local.home, ['upload', fixture('counter_bot.ts'), '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      const uploaded = r.json as Uploaded;
      expect(uploaded.store).toBe(`folder ${join(local.home, 'objects')}`);
      expect(uploaded.code_path).toBe(`bots/default/${uploaded.id}/v1/counter_bot.ts`);
      const path = join(local.home, 'objects', ...uploaded.code_path.split('/'));
      expect(readFileSync(path).equals(readFileSync(fixture('counter_bot.ts')))).toBe(true);
      expect(JSON.parse(readFileSync(`${path}.meta.json`, 'utf8'))).toEqual({ sha256: uploaded.sha256 });
      const report = (await run(local.home, ['doctor', '--verify', '--json'])).json as { ok: boolean; objects: number };
      expect(report).toMatchObject({ ok: true, objects: 2 });
    } finally {
      local.remove();
    }
  });
});

describe('botctl upload failure atomicity', () => {
  it('an unreachable object store: exit 1 naming the endpoint, and no bot or version row', async () => {
    const endpoint = await unreachableEndpoint();
    const before = snapshotDatabase(home);
    const r = await botctl(['upload', fixture('counter_bot.ts'), '--name', 'unreachable', '--json'], s3Environment({ ...server, endpoint }));
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { code: 'store_failure', message: expect.stringContaining(endpoint) as string } });
    expect(snapshotDatabase(home)).toEqual(before);
  });

  it('a store that refuses the upload (wrong secret): exit 1, and no bot or version row', async (ctx) => {
    skipUnlessSignaturesVerified(server, ctx.skip);
    const before = snapshotDatabase(home);
    const r = await botctl(['upload', fixture('counter_bot.ts'), '--name', 'refused', '--json'], s3Environment({ ...server, secretAccessKey: 'not-the-secret' }));
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { code: 'store_failure' } });
    expect(snapshotDatabase(home)).toEqual(before);
  });

  it('a database failure after the objects were stored: exit 1, no row, and `doctor` lists the orphans', async () => {
    const db = new SQLite(join(home, 'botctl.db'));
    db.exec(`CREATE TRIGGER fail_versions BEFORE INSERT ON bot_versions BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END`);
    db.close();
    const before = snapshotDatabase(home);
    const r = await botctl(['upload', fixture('counter_bot.ts'), '--name', 'orphaned', '--json']);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { code: 'runtime_failure', message: expect.stringContaining('simulated disk failure') as string, hint: expect.stringContaining('botctl doctor') as string } });
    expect(snapshotDatabase(home)).toEqual(before);

    const checked = await botctl(['doctor', '--json']);
    expect(checked.exitCode).toBe(1);
    const report = checked.json as { ok: boolean; orphans: { key: string }[]; missing: unknown[] };
    expect(report.ok).toBe(false);
    expect(report.missing).toEqual([]);
    expect(report.orphans.map((o) => o.key)).toEqual([expect.stringMatching(/^bots\/default\/\d+\/v1\/bundle\.mjs$/), expect.stringMatching(/^bots\/default\/\d+\/v1\/counter_bot\.ts$/)]);
    // A listing of the bucket shows the same orphans.
    const listing = (await listBucket('bots/default/')).map((o) => o.key);
    for (const o of report.orphans) expect(listing).toContain(o.key);
    const human = await botctl(['doctor']);
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toContain('Orphaned objects');

    const fix = new SQLite(join(home, 'botctl.db'));
    fix.exec('DROP TRIGGER fail_versions');
    fix.close();
  });
});

interface DoctorJson {
  ok: boolean;
  objects: number;
  orphans: { key: string; size: number; modified: string }[];
  removed?: { key: string }[];
  grace_s: number;
  missing: unknown[];
}

describe('deleting a custom bot from S3, and doctor --fix', () => {
  // A bucket and a home of its own: the tests above leave orphans on purpose.
  const own = temporaryHome();
  let access: S3Access;
  const inBucket = (args: string[]) => run(own.home, args, { env: s3Environment(access) });
  beforeAll(async () => {
    access = { ...server, bucket: 'delete-test' };
    const client = createS3Client(server);
    try {
      await client.send(new CreateBucketCommand({ Bucket: access.bucket }));
    } finally {
      client.destroy();
    }
  });
  afterAll(() => own.remove());

  it('delete --force removes every version\'s objects, keeps the other bot\'s, and doctor then passes', async () => {
    const doomed = ok(await inBucket(['upload', fixture('counter_bot.ts'), '--name', 'doomed', '--json'])) as Uploaded;
    ok(await inBucket(['upload', fixture('counter_bot_v2.ts'), '--bot', 'doomed', '--json']));
    ok(await inBucket(['subscribe', 'doomed', '--pair', 'BTC/USDT:USDT', '--schedule', '*/5 * * * *', '--json']));
    const kept = ok(await inBucket(['upload', fixture('counter_bot.ts'), '--name', 'kept', '--json'])) as Uploaded;
    expect(await listBucket(`bots/default/${doomed.id}/`, access.bucket)).toHaveLength(4);

    const deleted = ok(await inBucket(['delete', 'doomed', '--force', '--json']));
    expect(deleted).toEqual({ id: doomed.id, name: 'doomed', deleted: true, subscriptions_removed: 1, objects_removed: 4 });
    expect(await listBucket(`bots/default/${doomed.id}/`, access.bucket)).toEqual([]);
    expect((await listBucket('', access.bucket)).map((o) => o.key)).toEqual([kept.bundle_path, kept.code_path]);

    const checked = await inBucket(['doctor', '--json']);
    expect(checked.exitCode, checked.stdout).toBe(0);
    expect(checked.json).toMatchObject({ ok: true, objects: 2, orphans: [], missing: [] });
  });

  it('awscli sees only the kept bot\'s objects', async (ctx) => {
    requireTool(awsCli, (note) => ctx.skip(note));
    const listing = await aws(access, ['s3', 'ls', `s3://${access.bucket}/`, '--recursive']);
    expect(listing.exitCode, String(listing.stderr)).toBe(0);
    const keys = String(listing.stdout).trim().split('\n').map((l) => l.trim().split(/\s+/).at(-1));
    expect(keys).toEqual([expect.stringMatching(/^bots\/default\/\d+\/v1\/bundle\.mjs$/), expect.stringMatching(/^bots\/default\/\d+\/v1\/counter_bot\.ts$/)]);
  });

  it('doctor --fix keeps an orphan younger than an hour (an upload may be writing it), and exits 1 while it is there', async () => {
    const store = s3StoreOn(access);
    try {
      await store.put('bots/default/900/v1/bundle.mjs', Buffer.from('in flight'), {});
    } finally {
      store.close();
    }
    const fixed = await inBucket(['doctor', '--fix', '--json']);
    expect(fixed.exitCode).toBe(1);
    const report = fixed.json as DoctorJson;
    expect(report).toMatchObject({ ok: false, removed: [], grace_s: 3600, objects: 3 });
    expect(report.orphans).toEqual([{ key: 'bots/default/900/v1/bundle.mjs', size: 9, modified: expect.any(String) }]);
    const human = await inBucket(['doctor', '--fix']);
    expect(human.stdout).toContain('Orphaned objects kept (younger than 1 h');
    expect(await listBucket('bots/default/900/', access.bucket)).toHaveLength(1);
  });

  it('doctor --fix removes an orphan once it is older than an hour, by the server\'s LastModified', async () => {
    // RGW's LastModified cannot be set back: the check is run as of an hour from now instead.
    const connection = await openDatabase(own.home);
    const store = s3StoreOn(access);
    try {
      const report = await doctor(connection.db, store, { fix: true, now: Date.now() + orphanGraceMs + 60_000 });
      expect(report.removed?.map((o) => o.key)).toEqual(['bots/default/900/v1/bundle.mjs']);
      expect(report).toMatchObject({ ok: true, orphans: [], objects: 2 });
    } finally {
      store.close();
      await connection.close();
    }
    expect(await listBucket('bots/default/900/', access.bucket)).toEqual([]);
    expect(await listBucket('', access.bucket)).toHaveLength(2);
    expect((await inBucket(['doctor', '--json'])).exitCode).toBe(0);
  });
});

describe('deleting a custom bot from the home folder, and doctor --fix', () => {
  it('delete removes the objects; --fix removes an hour-old orphan, keeps a fresh one; --json and text agree', async () => {
    const local = temporaryHome();
    try {
      const up = ok(await run(local.home, ['upload', fixture('counter_bot.ts'), '--json'])) as Uploaded;
      const human = await run(local.home, ['delete', String(up.id), '--force']);
      expect(human.exitCode, human.stderr).toBe(0);
      expect(human.stdout).toContain(`Deleted bot counter_bot (id ${up.id}), removed 2 stored object(s)`);
      expect(ok(await run(local.home, ['doctor', '--json']))).toMatchObject({ ok: true, objects: 0 });

      // Orphans as a crashed delete or a failed upload leaves them: one written two hours ago, one just now.
      const store = localStore(join(local.home, 'objects'));
      await store.put('bots/default/76/v1/bundle.mjs', Buffer.from('old'), {});
      await store.put('bots/default/77/v1/bundle.mjs', Buffer.from('fresh'), {});
      const hoursAgo = new Date(Date.now() - 2 * orphanGraceMs);
      utimesSync(join(local.home, 'objects', 'bots', 'default', '76', 'v1', 'bundle.mjs'), hoursAgo, hoursAgo);

      const fixed = await run(local.home, ['doctor', '--fix', '--json']);
      expect(fixed.exitCode).toBe(1);
      const report = fixed.json as DoctorJson;
      expect(report.removed?.map((o) => o.key)).toEqual(['bots/default/76/v1/bundle.mjs']);
      expect(report.orphans.map((o) => o.key)).toEqual(['bots/default/77/v1/bundle.mjs']);
      const text = await run(local.home, ['doctor']);
      expect(text.stdout).toContain('bots/default/77/v1/bundle.mjs');
      expect(text.stdout).toContain('botctl doctor --fix` removes those older than 1 h');
    } finally {
      local.remove();
    }
  });
});
