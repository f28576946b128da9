import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BotctlError } from '../../src/errors.js';
import { localStore } from '../../src/store/local-store.js';
import { temporaryHome } from '../support/home.js';
import { objectStoreContract } from './contract.js';

const { home, remove } = temporaryHome();
const root = join(home, 'objects');
const store = localStore(root);
afterAll(remove);

describe('local folder store: the ObjectStore contract', () => {
  objectStoreContract(() => store, { atomicConditionalPut: () => true });
});

describe('local folder store', () => {
  it('uses the key as the path and keeps metadata in a sidecar, leaving no temporary files', async () => {
    await store.put('bots/dev/7/v1/my_bot.ts', Buffer.from('export default 1;'), { sha256: 'feed' });
    const dir = join(root, 'bots', 'dev', '7', 'v1');
    expect(readdirSync(dir).sort()).toEqual(['my_bot.ts', 'my_bot.ts.meta.json']);
    expect(readFileSync(join(dir, 'my_bot.ts'), 'utf8')).toBe('export default 1;');
    expect(JSON.parse(readFileSync(join(dir, 'my_bot.ts.meta.json'), 'utf8'))).toEqual({ sha256: 'feed' });
  });

  it('never lets a reader see a half-written object while writers race', async () => {
    const key = 'race/v1/big.ts';
    const candidates = Array.from({ length: 4 }, (_, i) => Buffer.alloc(2 * 1024 * 1024, 65 + i));
    let reading = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (reading) {
        const got = await store.get(key);
        if (got) seen.add(candidates.some((c) => c.equals(Buffer.from(got.bytes))) ? 'whole' : `partial:${got.bytes.length}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const outcomes = await Promise.all(candidates.map((bytes) => store.put(key, bytes, {})));
    reading = false;
    await reader;
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect([...seen].filter((s) => s !== 'whole')).toEqual([]);
    expect(readdirSync(join(root, 'race', 'v1')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('reports a folder it cannot write as a store failure (exit 1) naming the folder', async () => {
    // A file where the folder should be: fails for root too, which file modes would not.
    const blocked = join(home, 'blocked');
    writeFileSync(blocked, 'not a folder');
    const error = await localStore(blocked).put('a/b.ts', Buffer.from('x'), {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BotctlError);
    expect((error as BotctlError).code).toBe('store_failure');
    expect((error as BotctlError).exitCode).toBe(1);
    expect((error as BotctlError).message).toContain(blocked);
  });

  it('lists nothing, not an error, before the folder exists', async () => {
    const fresh = localStore(join(home, 'not-yet'));
    const listed = [];
    for await (const object of fresh.list('bots/')) listed.push(object);
    expect(listed).toEqual([]);
    expect(existsSync(join(home, 'not-yet'))).toBe(false);
  });
});
