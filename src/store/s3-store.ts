import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  storeFailure,
  validateKey,
  type ListedObject,
  type ObjectHead,
  type ObjectMetadata,
  type ObjectStore,
  type StoredObject,
} from './object-store.js';

export interface S3StoreOptions {
  bucket: string;
  /** Any S3-compatible server (Ceph RGW, MinIO, R2); addressed path-style. Absent: AWS itself. */
  endpoint?: string | undefined;
  region: string;
  /** Absent: the SDK's standard credential chain (env, shared config, SSO, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

type Sdk = typeof import('@aws-sdk/client-s3');

// S3 through @aws-sdk/client-s3, imported on first use so that no other command pays for loading it. Longer than
// 80 lines: the ObjectStore's methods as one object literal over the lazily created client, each of them short.
export function s3Store(options: S3StoreOptions): ObjectStore {
  const where = `s3://${options.bucket}${options.endpoint ? ` at ${options.endpoint}` : ` in ${options.region}`}`;
  const Bucket = options.bucket;
  let connection: Promise<{ sdk: Sdk; client: S3Client }> | undefined;
  let closed = false;

  const connect = () => {
    // The SDK warns on every Node 20 start that its future releases need Node 22: that is for whoever
    // upgrades our dependencies, not for an operator running botctl, so it stays off stderr.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    return (connection ??= import('@aws-sdk/client-s3').then((sdk) => {
      const client = new sdk.S3Client({
        region: options.region,
        ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        // The SDK's default streaming checksums are not understood by RGW 16 and other S3 look-alikes;
        // integrity comes from Content-MD5 on upload and from the sha256 check on every fetch instead.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 3,
        // Fail within seconds when the store is down: a run waiting on it holds a concurrency slot.
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
      });
      if (closed) client.destroy();
      return { sdk, client };
    }));
  };

  async function headObject(key: string): Promise<ObjectHead | undefined> {
    const { sdk, client } = await connect();
    try {
      const head = await client.send(new sdk.HeadObjectCommand({ Bucket, Key: key }));
      return { size: head.ContentLength ?? 0, metadata: head.Metadata ?? {}, modified: head.LastModified ?? new Date() };
    } catch (error) {
      if (nameOf(error) === 'NotFound' || nameOf(error) === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async function put(key: string, bytes: Uint8Array, metadata: ObjectMetadata): Promise<'created' | 'exists'> {
    validateKey(key);
    try {
      const { sdk, client } = await connect();
      // Look first, for servers that ignore If-None-Match (older MinIO, s3rver): there the conditional PUT
      // below would silently overwrite. On servers that honour it, it alone decides any race.
      if (await headObject(key)) return 'exists';
      await client.send(
        new sdk.PutObjectCommand({
          Bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
          ContentType: contentType(key),
          Metadata: metadata,
          IfNoneMatch: '*',
        }),
      );
      return 'created';
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || nameOf(error) === 'PreconditionFailed') return 'exists';
      // AWS answers 409 when two conditional writes of one key overlap; whoever won, the key now exists.
      if (status === 409 && nameOf(error) === 'ConditionalRequestConflict') {
        try {
          if (await headObject(key)) return 'exists';
        } catch {
          // fall through to the original failure
        }
      }
      throw storeFailure(where, `put ${key}`, error);
    }
  }

  async function get(key: string): Promise<StoredObject | undefined> {
    validateKey(key);
    try {
      const { sdk, client } = await connect();
      const object = await client.send(new sdk.GetObjectCommand({ Bucket, Key: key }));
      if (!object.Body) throw new Error('response had no body');
      return { bytes: await object.Body.transformToByteArray(), metadata: object.Metadata ?? {} };
    } catch (error) {
      if (nameOf(error) === 'NoSuchKey') return undefined;
      throw storeFailure(where, `get ${key}`, error);
    }
  }

  async function head(key: string): Promise<ObjectHead | undefined> {
    validateKey(key);
    try {
      return await headObject(key);
    } catch (error) {
      throw storeFailure(where, `head ${key}`, error);
    }
  }

  async function* list(prefix: string): AsyncIterable<ListedObject> {
    let token: string | undefined;
    do {
      let page;
      try {
        const { sdk, client } = await connect();
        page = await client.send(new sdk.ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token }));
      } catch (error) {
        throw storeFailure(where, `list ${prefix}`, error);
      }
      // A server that leaves out LastModified: the object counts as just written, so it is never collected early.
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) yield { key: object.Key, size: object.Size ?? 0, modified: object.LastModified ?? new Date() };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async function remove(key: string): Promise<void> {
    validateKey(key);
    try {
      const { sdk, client } = await connect();
      await client.send(new sdk.DeleteObjectCommand({ Bucket, Key: key }));
    } catch (error) {
      throw storeFailure(where, `delete ${key}`, error);
    }
  }

  function close(): void {
    closed = true;
    void connection?.then(({ client }) => client.destroy());
  }

  return { describe: () => where, put, get, head, list, delete: remove, close };
}

function contentType(key: string): string {
  if (key.endsWith('.mjs') || key.endsWith('.js')) return 'text/javascript; charset=utf-8';
  if (key.endsWith('.ts')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

function nameOf(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
