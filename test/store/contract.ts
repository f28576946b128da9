// One behavioural contract for every ObjectStore: the local folder and S3 must be interchangeable.
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { BotctlError } from '../../src/errors.js';
import type { ObjectStore } from '../../src/store/object-store.js';

export interface ContractOptions {
  /** Whether the server honours If-None-Match under a race (RGW, AWS, the local folder; not s3rver). */
  atomicConditionalPut: () => boolean;
}

export function objectStoreContract(store: () => ObjectStore, options: ContractOptions): void {
  const prefix = () => `test/${randomBytes(4).toString('hex')}`;

  it('stores bytes and metadata and returns them unchanged', async () => {
    const key = `${prefix()}/v1/bot.ts`;
    const bytes = new Uint8Array(Array.from({ length: 256 }, (_, i) => i));
    expect(await store().put(key, bytes, { sha256: 'abc123' })).toBe('created');
    const got = await store().get(key);
    expect(Buffer.from(got!.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(got!.metadata).toEqual({ sha256: 'abc123' });
    expect(await store().head(key)).toEqual({ size: 256, metadata: { sha256: 'abc123' }, modified: expect.any(Date) });
  });

  it('never overwrites: a second put of the key answers "exists" and keeps the first bytes', async () => {
    const key = `${prefix()}/v1/bundle.mjs`;
    expect(await store().put(key, Buffer.from('first'), { sha256: 'one' })).toBe('created');
    expect(await store().put(key, Buffer.from('second, longer'), { sha256: 'two' })).toBe('exists');
    const got = await store().get(key);
    expect(Buffer.from(got!.bytes).toString()).toBe('first');
    expect(got!.metadata.sha256).toBe('one');
  });

  it('lets exactly one of several concurrent writers of one key win', async (context) => {
    if (!options.atomicConditionalPut()) context.skip();
    const key = `${prefix()}/v1/race.ts`;
    const candidates = Array.from({ length: 6 }, (_, i) => Buffer.from(`writer ${i} `.repeat(5000)));
    const outcomes = await Promise.all(candidates.map((bytes, i) => store().put(key, bytes, { writer: String(i) })));
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    const winner = outcomes.indexOf('created');
    const got = await store().get(key);
    expect(Buffer.from(got!.bytes).equals(candidates[winner]!)).toBe(true);
    expect(got!.metadata.writer).toBe(String(winner));
  });

  it('answers undefined for a key that holds nothing', async () => {
    expect(await store().get(`${prefix()}/missing.ts`)).toBeUndefined();
    expect(await store().head(`${prefix()}/missing.ts`)).toBeUndefined();
  });

  it('lists by key prefix, in key order, with sizes', async () => {
    const root = prefix();
    for (const key of ['v1/a.ts', 'v10/a.ts', 'v2/a.ts', 'v1/bundle.mjs']) {
      await store().put(`${root}/${key}`, Buffer.from(key), {});
    }
    await store().put(`${root}x/v1/a.ts`, Buffer.from('other'), {});
    const listed = [];
    for await (const object of store().list(`${root}/v1`)) listed.push(object);
    expect(listed).toEqual([
      { key: `${root}/v1/a.ts`, size: 7, modified: expect.any(Date) },
      { key: `${root}/v1/bundle.mjs`, size: 13, modified: expect.any(Date) },
      { key: `${root}/v10/a.ts`, size: 8, modified: expect.any(Date) },
    ]);
  });

  it('says when an object was written, the same in head and list (orphans are collected by age)', async () => {
    const root = prefix();
    const key = `${root}/v1/bot.ts`;
    await store().put(key, Buffer.from('x'), {});
    const head = await store().head(key);
    const listed = [];
    for await (const object of store().list(`${root}/`)) listed.push(object);
    // The server's clock (S3 keeps whole seconds in listings): not a duration, only "written about now".
    expect(Math.abs(head!.modified.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    expect(Math.floor(listed[0]!.modified.getTime() / 1000)).toBe(Math.floor(head!.modified.getTime() / 1000));
  });

  it('deletes, and deleting what is gone is not an error', async () => {
    const key = `${prefix()}/v1/gone.ts`;
    await store().put(key, Buffer.from('x'), {});
    await store().delete(key);
    expect(await store().get(key)).toBeUndefined();
    await store().delete(key);
    expect(await store().put(key, Buffer.from('again'), {})).toBe('created');
  });

  it('refuses keys that could escape the key space, with exit code 2', async () => {
    for (const key of ['../etc/passwd', 'a/../../b', '/abs', 'a//b', '.hidden/x', 'a/b/', 'a\\b', 'x.meta.json', '']) {
      const error = await store().put(key, Buffer.from('x'), {}).catch((e: unknown) => e);
      expect(error, key).toBeInstanceOf(BotctlError);
      expect((error as BotctlError).exitCode, key).toBe(2);
    }
  });
}
