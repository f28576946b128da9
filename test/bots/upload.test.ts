import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/bots/digest.js';
import { doctor } from '../../src/bots/doctor.js';
import { maxSourceBytes, uploadBot } from '../../src/bots/upload.js';
import { homePaths } from '../../src/home.js';
import { localStore } from '../../src/store/local-store.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { s3Store } from '../../src/store/s3-store.js';
import { useTemporaryDatabase } from '../support/database.js';
import { snapshotDatabase } from '../support/db-snapshot.js';
import { expectBotctlError } from '../support/expect-error.js';
import { unreachableEndpoint } from '../support/ports.js';
import { failInsertsInto } from '../support/fail-writes.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/custom/${name}`, import.meta.url));

const temp = useTemporaryDatabase('test');
let store: ObjectStore;

beforeEach(() => {
  store = localStore(homePaths(temp.home).objectStore);
});

async function storedKeys(s: ObjectStore = store): Promise<string[]> {
  const keys = [];
  for await (const object of s.list('')) keys.push(object.key);
  return keys;
}

// Every refusal: exit code 2, a message that says what was wrong, and nothing written anywhere.
async function expectRefused(file: string, message: RegExp | string, extra: { name?: string } = {}) {
  const before = snapshotDatabase(temp.home);
  const error = await expectBotctlError(uploadBot(temp.db, temp.home, store, { file, ...extra }), { exitCode: 2, message });
  expect(snapshotDatabase(temp.home)).toEqual(before);
  expect(await storedKeys()).toEqual([]);
  return error;
}

describe('uploadBot refuses bad files with exit code 2 and writes nothing', () => {
  it('refuses a file that is not .ts', async () => {
    const file = join(temp.home, 'bot.js');
    writeFileSync(file, readFileSync(fixture('counter_bot.ts')));
    await expectRefused(file, /Expected a TypeScript file ending in \.ts, got ".*bot\.js"/);
  });

  it('refuses a file over 1 MiB, by its size, before parsing it', async () => {
    const file = join(temp.home, 'huge.ts');
    writeFileSync(file, '');
    truncateSync(file, maxSourceBytes + 1); // not valid TypeScript: the size check must come first
    await expectRefused(file, `is ${maxSourceBytes + 1} bytes; a bot file may be at most 1 MiB (1048576 bytes)`);
  });

  it('accepts a file of exactly 1 MiB', async () => {
    const file = join(temp.home, 'padded.ts');
    const source = readFileSync(fixture('counter_bot.ts'), 'utf8');
    writeFileSync(file, source + '/'.repeat(2) + ' '.repeat(maxSourceBytes - Buffer.byteLength(source) - 3) + '\n');
    expect(readFileSync(file).byteLength).toBe(maxSourceBytes);
    const { version } = await uploadBot(temp.db, temp.home, store, { file });
    expect(version.size).toBe(maxSourceBytes);
  });

  it('refuses a file that does not parse, naming file:line:column', async () => {
    const file = fixture('syntax_error.ts');
    await expectRefused(file, `${file}:7:15: Unexpected ";"`);
  });

  it('refuses a default export that was not made with defineBot', async () => {
    await expectRefused(fixture('not_a_bot.ts'), /not_a_bot\.ts failed to load: .*must `export default defineBot/s);
  });

  it('refuses a file without a default export', async () => {
    const file = join(temp.home, 'named_only.ts');
    writeFileSync(file, "import { defineBot } from 'botctl/sdk';\nexport const bot = 1;\n");
    await expectRefused(file, `${file} has no default export: a bot file must \`export default defineBot({...})\``);
  });

  for (const module of ['fs', 'node:fs', 'fs/promises', 'child_process', 'node:child_process', 'net', 'node:worker_threads', 'worker_threads', 'http', 'module', 'ccxt', 'better-sqlite3', './helper.js']) {
    it(`refuses a static import of ${module} while bundling, naming the line`, async () => {
      const file = join(temp.home, 'importer.ts');
      writeFileSync(
        file,
        `import { defineBot } from 'botctl/sdk';\nimport { z } from 'zod';\nimport * as forbidden from '${module}';\nexport default defineBot({ name: 'x', description: 'x', config: z.object({}), async execute() { void forbidden; } });\n`,
      );
      await expectRefused(file, `${file}:3:28: imports "${module}", which a bot may not import; allowed: botctl/sdk, zod`);
    });
  }

  it('refuses an import outside the allow-list that the code never uses (esbuild would drop it from the bundle)', async () => {
    const file = fixture('unused_import.ts');
    await expectRefused(file, new RegExp(`unused_import\\.ts:2:\\d+: imports "node:fs", which a bot may not import \\(used or not\\)`));
    const type = join(temp.home, 'type_only.ts');
    writeFileSync(type, `import type { Stats } from 'node:fs';\nimport { defineBot } from 'botctl/sdk';\nimport { z } from 'zod';\nexport default defineBot({ name: 'x', description: 'x', config: z.object({}), async execute() { const s: Stats | undefined = undefined; void s; } });\n`);
    await expectRefused(type, /type_only\.ts:1:\d+: imports "node:fs"/);
  });

  it('refuses a dynamic import of a literal forbidden module too', async () => {
    const file = join(temp.home, 'dynamic.ts');
    writeFileSync(
      file,
      `import { defineBot } from 'botctl/sdk';\nimport { z } from 'zod';\nexport default defineBot({ name: 'x', description: 'x', config: z.object({}),\n  async execute() { await import('node:child_process'); } });\n`,
    );
    await expectRefused(file, `${file}:4:34: imports "node:child_process"`);
  });

  it('refuses --name and --bot together, and names that would not be safe in a key', async () => {
    await expectBotctlError(uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts'), name: 'a', bot: 'b' }), { message: 'got both' });
    await expectBotctlError(uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts'), name: '../x' }), { message: '`--name`' });
    await expectBotctlError(uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts'), developer: 'a/b' }), { message: '`--developer`' });
  });
});

describe('uploadBot stores versions', () => {
  it('stores the source and its bundle under bots/<developer>/<bot-id>/v1/ with their sha256, then one bot and one version row', async () => {
    const file = fixture('counter_bot.ts');
    const source = readFileSync(file);
    const { bot, version, reused } = await uploadBot(temp.db, temp.home, store, { file, developer: 'alice' });
    expect(reused).toBe(false);
    expect(bot).toMatchObject({ name: 'counter_bot', developer_id: 'alice', kind: 'custom', template: null, description: 'counts its runs' });
    expect(version).toMatchObject({
      bot_id: bot.id,
      version: 1,
      code_path: `bots/alice/${bot.id}/v1/counter_bot.ts`,
      bundle_path: `bots/alice/${bot.id}/v1/bundle.mjs`,
      sha256: sha256(source),
      size: source.byteLength,
      file_name: 'counter_bot.ts',
    });
    expect(bot.code_path).toBe(version.code_path);
    const stored = await store.get(version.code_path);
    expect(Buffer.from(stored!.bytes).equals(source)).toBe(true);
    expect(stored!.metadata).toEqual({ sha256: sha256(source) });
    const bundle = await store.get(version.bundle_path);
    expect(sha256(bundle!.bytes)).toBe(version.bundle_sha256);
    expect(bundle!.metadata).toEqual({ sha256: version.bundle_sha256, 'source-sha256': sha256(source) });
    expect(bundle!.bytes.byteLength).toBe(version.bundle_size);
    // The bundle is the bot alone: the child runtime is added when botd builds the executable.
    expect(Buffer.from(bundle!.bytes).toString()).not.toContain('runChild');
    expect(await storedKeys()).toEqual([version.bundle_path, version.code_path]);
  });

  it('reuses the existing version for identical content: no object, no row', async () => {
    const file = fixture('counter_bot.ts');
    const first = await uploadBot(temp.db, temp.home, store, { file });
    const before = snapshotDatabase(temp.home);
    const keys = await storedKeys();
    // Same bytes under another file name, through --name and through --bot.
    const copy = join(temp.home, 'renamed.ts');
    writeFileSync(copy, readFileSync(file));
    for (const input of [{ file }, { file: copy, name: 'counter_bot' }, { file: copy, bot: String(first.bot.id) }]) {
      const again = await uploadBot(temp.db, temp.home, store, input);
      expect(again.reused).toBe(true);
      expect(again.version.id).toBe(first.version.id);
    }
    expect(snapshotDatabase(temp.home)).toEqual(before);
    expect(await storedKeys()).toEqual(keys);
  });

  it('adds v2 with --bot and leaves v1 untouched; --name with new code is a conflict that points at --bot', async () => {
    const v1 = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') });
    const v1Bytes = (await store.get(v1.version.code_path))!.bytes;
    await expectBotctlError(uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot_v2.ts'), name: 'counter_bot' }), {
      message: 'already exists for developer "default" with different code',
      hint: `--bot ${v1.bot.id}`,
    });
    const v2 = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot_v2.ts'), bot: 'counter_bot' });
    expect(v2.version).toMatchObject({ version: 2, code_path: `bots/default/${v1.bot.id}/v2/counter_bot_v2.ts` });
    expect(Buffer.from((await store.get(v1.version.code_path))!.bytes).equals(Buffer.from(v1Bytes))).toBe(true);
    const bot = await temp.db.selectFrom('bots').selectAll().where('id', '=', v1.bot.id).executeTakeFirstOrThrow();
    expect(bot.code_path).toBe(v2.version.code_path);
    // Back to the v1 bytes: that is still version 1, not a v3.
    expect((await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts'), bot: String(v1.bot.id) })).version.version).toBe(1);
  });

  it('gives concurrent uploads of different code to one bot distinct versions, each with its own objects', async () => {
    const { bot } = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') });
    const files = [2, 3, 4].map((n) => {
      const file = join(temp.home, `variant_${n}.ts`);
      writeFileSync(file, readFileSync(fixture('counter_bot.ts'), 'utf8').replace('counter_bot v1', `counter_bot variant ${n}`));
      return file;
    });
    const results = await Promise.all(files.map((file) => uploadBot(temp.db, temp.home, store, { file, bot: String(bot.id) })));
    expect(results.map((r) => r.version.version).sort()).toEqual([2, 3, 4]);
    for (const r of results) {
      expect(sha256((await store.get(r.version.code_path))!.bytes)).toBe(r.version.sha256);
    }
    expect((await doctor(temp.db, store)).ok).toBe(true);
  });

  it('never overwrites an object it finds in its slot: it moves to the next bot id', async () => {
    // An object left at the id the next bot would get (e.g. by another installation sharing the bucket).
    const nextId = 1;
    await store.put(`bots/default/${nextId}/v1/counter_bot.ts`, Buffer.from('someone else'), { sha256: 'f'.repeat(64) });
    const { bot, version } = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') });
    expect(bot.id).toBe(nextId + 1);
    expect(version.code_path).toBe(`bots/default/${nextId + 1}/v1/counter_bot.ts`);
    expect(Buffer.from((await store.get(`bots/default/${nextId}/v1/counter_bot.ts`))!.bytes).toString()).toBe('someone else');
    expect((await doctor(temp.db, store)).orphans.map((o) => o.key)).toEqual([`bots/default/${nextId}/v1/counter_bot.ts`]);
  });
});

describe('uploadBot failure atomicity', () => {
  it('a store that refuses the write: exit 1, no bot and no version row', async () => {
    const blocked = join(temp.home, 'not-a-folder');
    writeFileSync(blocked, '');
    const before = snapshotDatabase(temp.home);
    const error = await expectBotctlError(uploadBot(temp.db, temp.home, localStore(blocked), { file: fixture('counter_bot.ts') }), { exitCode: 1 });
    expect(error.code).toBe('store_failure');
    expect(snapshotDatabase(temp.home)).toEqual(before);
  });

  it('an unreachable S3 endpoint: exit 1 naming the endpoint, no bot and no version row', async () => {
    const endpoint = await unreachableEndpoint();
    const down = s3Store({ bucket: 'bots', endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const before = snapshotDatabase(temp.home);
    try {
      const error = await expectBotctlError(uploadBot(temp.db, temp.home, down, { file: fixture('counter_bot.ts') }), { exitCode: 1, message: endpoint });
      expect(error.code).toBe('store_failure');
    } finally {
      down.close();
    }
    expect(snapshotDatabase(temp.home)).toEqual(before);
  });

  it('a database failure after the objects were stored leaves no row; doctor lists the orphans; a retry adopts them', async () => {
    // A real database failure inside the transaction, after the bot row was inserted and before the version row.
    const allowVersions = await failInsertsInto(temp.connection, 'bot_versions', 'simulated disk failure');
    const before = snapshotDatabase(temp.home);
    const error = await expectBotctlError(uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') }), {
      exitCode: 1,
      message: 'recording them in the database failed: simulated disk failure',
      hint: 'botctl doctor',
    });
    expect(error.code).toBe('runtime_failure');
    expect(snapshotDatabase(temp.home)).toEqual(before);
    const report = await doctor(temp.db, store);
    expect(report.ok).toBe(false);
    expect(report.orphans.map((o) => o.key)).toEqual(['bots/default/1/v1/bundle.mjs', 'bots/default/1/v1/counter_bot.ts']);

    await allowVersions();
    const retried = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') });
    expect(retried.version.code_path).toBe('bots/default/1/v1/counter_bot.ts');
    expect(await doctor(temp.db, store)).toMatchObject({ ok: true, orphans: [], missing: [], damaged: [] });
  });
});

describe('doctor', () => {
  it('reports versions whose objects are missing or damaged', async () => {
    const { version } = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') });
    await store.delete(version.bundle_path);
    const path = join(homePaths(temp.home).objectStore, ...version.code_path.split('/'));
    const original = readFileSync(path);
    writeFileSync(path, Buffer.from(original.toString().replace('hello', 'HELLO')));
    const report = await doctor(temp.db, store, { verify: true });
    expect(report.missing).toEqual([{ bot_id: version.bot_id, version: 1, key: version.bundle_path }]);
    expect(report.damaged).toEqual([{ bot_id: version.bot_id, version: 1, key: version.code_path, reason: expect.stringContaining(`${version.sha256} recorded`) }]);
  });
});
