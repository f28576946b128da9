import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aws, awsCli } from './aws-cli.js';
import { createS3Client, startS3Server, type S3Server } from './s3-server.js';
import { requireTool } from './tools.js';

describe('startS3Server', () => {
  let server: S3Server | undefined;
  let client: S3Client | undefined;

  const s3 = (): { server: S3Server; client: S3Client } => {
    if (!server || !client) throw new Error('S3 server did not start');
    return { server, client };
  };

  beforeAll(async () => {
    server = await startS3Server();
    client = createS3Client(server);
  }, 120_000);

  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  }, 60_000);

  it('round-trips an object with sha256 user metadata', async () => {
    const { server, client } = s3();
    const body = randomBytes(4096);
    const sha256 = createHash('sha256').update(body).digest('hex');
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'roundtrip/blob.bin', Body: body, Metadata: { sha256 } }));

    const got = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'roundtrip/blob.bin' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.equals(body)).toBe(true);
    expect(got.Metadata?.sha256).toBe(sha256);
  });

  it('rejects a conditional PUT (If-None-Match: *) on an existing key with 412', async (ctx) => {
    const { server, client } = s3();
    // The npm fallback ignores If-None-Match on PUT; CI always runs this against RGW.
    ctx.skip(server.kind !== 'ceph-rgw', `${server.kind} does not implement conditional PUT`);
    const Key = 'conditional/once.txt';
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key, Body: 'first', IfNoneMatch: '*' }));

    const err: unknown = await client
      .send(new PutObjectCommand({ Bucket: server.bucket, Key, Body: 'second', IfNoneMatch: '*' }))
      .then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });

    const got = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key }));
    expect(await got.Body!.transformToString()).toBe('first');
  });

  it('awscli reads back identical bytes', async (ctx) => {
    requireTool(awsCli, (note) => ctx.skip(note));
    const { server, client } = s3();
    const body = Buffer.concat([randomBytes(100_000), Buffer.from('\n\0\r\n end')]);
    const Key = 'awscli/cross-check.bin';
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key, Body: body }));

    const r = await aws(server, ['s3', 'cp', `s3://${server.bucket}/${Key}`, '-'], 'buffer');
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(Buffer.from(r.stdout).equals(body)).toBe(true);
  }, 90_000);
});
