// The same contract against a real S3 server: Ceph RGW where Debian's packages are installed, else s3rver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotctlError } from '../../src/errors.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { s3Store } from '../../src/store/s3-store.js';
import { unreachableEndpoint } from '../support/ports.js';
import { s3StoreOn, skipUnlessSignaturesVerified, startS3Server, type S3Server } from '../support/s3-server.js';
import { objectStoreContract } from './contract.js';

let server: S3Server;
let store: ObjectStore;

beforeAll(async () => {
  server = await startS3Server();
  store = s3StoreOn(server);
  process.stderr.write(`[s3-store.test] contract suite runs against ${server.kind} (${store.describe()})\n`);
});

afterAll(async () => {
  store?.close();
  await server?.stop();
});

describe('S3 store: the ObjectStore contract', () => {
  // s3rver ignores If-None-Match: only the HEAD before the PUT protects it, which a race can slip past.
  objectStoreContract(() => store, { atomicConditionalPut: () => server.kind !== 's3rver' });
});

describe('S3 store failures', () => {
  it('names the endpoint and exits 1 when the server is unreachable', async () => {
    const endpoint = await unreachableEndpoint();
    const down = s3Store({ bucket: 'nowhere', endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    try {
      for (const attempt of [() => down.put('a/b.ts', Buffer.from('x'), {}), () => down.get('a/b.ts')]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(BotctlError);
        expect((error as BotctlError).code).toBe('store_failure');
        expect((error as BotctlError).exitCode).toBe(1);
        expect((error as BotctlError).message).toContain(endpoint);
      }
    } finally {
      down.close();
    }
  });

  it('reports a refused request (wrong secret) as a store failure, not as a missing object', async (ctx) => {
    skipUnlessSignaturesVerified(server, ctx.skip);
    const refused = s3StoreOn({ ...server, secretAccessKey: 'wrong-secret' });
    try {
      const error = await refused.put('refused/v1/a.ts', Buffer.from('x'), {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BotctlError);
      expect((error as BotctlError).code).toBe('store_failure');
      expect(await store.head('refused/v1/a.ts')).toBeUndefined();
    } finally {
      refused.close();
    }
  });
});
