// Deleting a custom bot removes its stored objects; `doctor --fix` collects orphans old enough that no upload
// can still be writing them. The real local object store here; the real S3 server in test/cli/upload.e2e.test.ts.
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { deleteBot, removeBotObjects } from '../../src/bots/delete-bot.js';
import { doctor } from '../../src/bots/doctor.js';
import { adoptWindowMs, orphanGraceMs } from '../../src/bots/orphans.js';
import { uploadBot } from '../../src/bots/upload.js';
import { homePaths } from '../../src/home.js';
import { localStore } from '../../src/store/local-store.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { useTemporaryDatabase } from '../support/database.js';
import { failInsertsInto } from '../support/fail-writes.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/custom/${name}`, import.meta.url));

const temp = useTemporaryDatabase('test');
let store: ObjectStore;

beforeEach(() => {
  store = localStore(homePaths(temp.home).objectStore);
});

async function storedKeys(): Promise<string[]> {
  const keys = [];
  for await (const object of store.list('')) keys.push(object.key);
  return keys;
}

/** Sets an object's age as the local store reports it (its file's mtime), as if written that long ago. */
function age(key: string, ms: number): void {
  const when = new Date(Date.now() - ms);
  utimesSync(join(homePaths(temp.home).objectStore, ...key.split('/')), when, when);
}

async function deleteWithObjects(ref: string) {
  const deleted = await deleteBot(temp.db, ref, { force: true });
  return { deleted, removed: await removeBotObjects(temp.db, store, deleted) };
}

describe('deleting a custom bot', () => {
  it("removes every version's source and bundle, and leaves the other bots' objects", async () => {
    const doomed = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts'), name: 'doomed' });
    const v2 = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot_v2.ts'), bot: 'doomed' });
    const kept = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts'), name: 'kept' });
    const { removed } = await deleteWithObjects('doomed');
    const doomedKeys = [doomed.version.bundle_path, doomed.version.code_path, v2.version.bundle_path, v2.version.code_path];
    expect(removed).toEqual(doomedKeys.sort());
    expect(await storedKeys()).toEqual([kept.version.bundle_path, kept.version.code_path]);
    // The same source, uploaded as two bots, is two sets of objects (keys hold the bot id): nothing shared.
    expect(kept.version.sha256).toBe(doomed.version.sha256);
    expect(await doctor(temp.db, store)).toMatchObject({ ok: true, objects: 2, orphans: [], missing: [] });
  });

  it('also removes what a failed upload left in its folder', async () => {
    const bot = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') });
    const stray = `bots/default/${bot.bot.id}/v7/bundle.mjs`;
    await store.put(stray, Buffer.from('left by a failed upload'), {});
    const { removed } = await deleteWithObjects(String(bot.bot.id));
    expect(removed).toContain(stray);
    expect(await storedKeys()).toEqual([]);
  });

  it('keeps an object that another row still names', async () => {
    const doomed = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts'), name: 'doomed' });
    const other = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot_v2.ts'), name: 'other' });
    // No upload shares objects today; a row naming another bot's object (a future shared layout, or a hand edit)
    // must still keep it.
    await temp.db.updateTable('bot_versions').set({ bundle_path: doomed.version.bundle_path }).where('bot_id', '=', other.bot.id).execute();
    const { removed } = await deleteWithObjects('doomed');
    expect(removed).toEqual([doomed.version.code_path]);
    expect(await store.head(doomed.version.bundle_path)).toBeDefined();
  });

  it('gives a new upload a new id, never the deleted bot id', async () => {
    const first = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') });
    await deleteWithObjects('counter_bot');
    const again = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') });
    expect(again.bot.id).toBe(first.bot.id + 1);
    expect(await doctor(temp.db, store)).toMatchObject({ ok: true, objects: 2 });
  });

  it('of a template bot touches no object', async () => {
    const custom = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') });
    await temp.db.insertInto('bots').values({ name: 'sma', developer_id: 'default', kind: 'template', template: 'simple_sma_bot', code_path: 'bot_files/simple_sma_bot.ts', exchange_type: 'binanceusdm', description: null }).execute();
    const { deleted, removed } = await deleteWithObjects('sma');
    expect(deleted.objectKeys).toEqual([]);
    expect(removed).toEqual([]);
    expect(await storedKeys()).toEqual([custom.version.bundle_path, custom.version.code_path]);
  });
});

describe('doctor --fix', () => {
  it('removes an orphan older than the grace period and keeps a young one (an upload may be in flight)', async () => {
    const bot = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') });
    const old = 'bots/default/90/v1/bundle.mjs';
    const young = 'bots/default/91/v1/bundle.mjs';
    await store.put(old, Buffer.from('old'), {});
    await store.put(young, Buffer.from('young'), {});
    age(old, orphanGraceMs + 60_000);
    age(young, orphanGraceMs - 5 * 60_000);
    // An uploaded bot's objects are named by rows, however old.
    age(bot.version.code_path, 10 * orphanGraceMs);

    const before = await doctor(temp.db, store);
    expect(before.ok).toBe(false);
    expect(before.orphans.map((o) => o.key)).toEqual([old, young]);
    expect(before.removed).toBeUndefined();

    const fixed = await doctor(temp.db, store, { fix: true });
    expect(fixed.removed).toEqual([{ key: old, size: 3, modified: expect.any(String) }]);
    expect(fixed.orphans).toEqual([{ key: young, size: 5, modified: expect.any(String) }]);
    expect(fixed).toMatchObject({ ok: false, objects: 3, grace_s: 3600, missing: [], damaged: [] });
    expect(await storedKeys()).toEqual([bot.version.bundle_path, bot.version.code_path, young]);

    // An hour on, the young one goes too, and doctor passes.
    const later = await doctor(temp.db, store, { fix: true, now: Date.now() + orphanGraceMs });
    expect(later.removed?.map((o) => o.key)).toEqual([young]);
    expect(later).toMatchObject({ ok: true, orphans: [], objects: 2 });
  });

  it('an upload does not adopt an orphan of its own bytes once it is older than the adoption window', async () => {
    // A failed upload's objects at the id the next bot would get, with the same source: adopted while young
    // (upload.test.ts), left alone once old, because doctor --fix may be removing them at that moment.
    const allowVersions = await failInsertsInto(temp.connection, 'bot_versions', 'simulated disk failure');
    await expect(uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') })).rejects.toThrow('simulated disk failure');
    await allowVersions();
    const orphans = await storedKeys();
    expect(orphans).toEqual(['bots/default/1/v1/bundle.mjs', 'bots/default/1/v1/counter_bot.ts']);
    for (const key of orphans) age(key, adoptWindowMs + 60_000);

    const retried = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') });
    expect(retried.bot.id).toBe(2);
    expect(retried.version.code_path).toBe('bots/default/2/v1/counter_bot.ts');
    expect((await doctor(temp.db, store)).orphans.map((o) => o.key)).toEqual(orphans);
  });

  it('an upload adds its next version past an old orphan in the version slot', async () => {
    const v1 = await uploadBot(temp.db, temp.home, store, { file: fixture('counter_bot.ts') });
    const file = join(temp.home, 'counter_bot.ts');
    writeFileSync(file, readFileSync(fixture('counter_bot_v2.ts')));
    const allowVersions = await failInsertsInto(temp.connection, 'bot_versions', 'simulated disk failure');
    await expect(uploadBot(temp.db, temp.home, store, { file, bot: String(v1.bot.id) })).rejects.toThrow('simulated disk failure');
    await allowVersions();
    for (const key of ['v2/bundle.mjs', 'v2/counter_bot.ts']) age(`bots/default/${v1.bot.id}/${key}`, adoptWindowMs + 60_000);
    const v3 = await uploadBot(temp.db, temp.home, store, { file, bot: String(v1.bot.id) });
    expect(v3.version.version).toBe(3);
  });
});
