// The object store custom bots live in: S3 (any S3-compatible server) or a folder in the home.
// Both lay objects out under the same keys, so a home can move to S3 by copying the folder.
import { BotctlError, invalid, shown } from '../errors.js';

export type ObjectMetadata = Record<string, string>;

export interface StoredObject {
  bytes: Uint8Array;
  metadata: ObjectMetadata;
}

export interface ObjectHead {
  size: number;
  metadata: ObjectMetadata;
  /** When the object was written (the server's clock for S3): how old an orphan is (src/bots/orphans.ts). */
  modified: Date;
}

export interface ListedObject {
  key: string;
  size: number;
  modified: Date;
}

export interface ObjectStore {
  /** Where the objects live, for messages: `s3://bucket at http://…` or `folder /home/…/objects`. */
  describe(): string;
  /** Create-only (`If-None-Match: *`): an existing object is never overwritten, and 'exists' says so. */
  put(key: string, bytes: Uint8Array, metadata: ObjectMetadata): Promise<'created' | 'exists'>;
  /** The object, or undefined when there is none under this key. */
  get(key: string): Promise<StoredObject | undefined>;
  head(key: string): Promise<ObjectHead | undefined>;
  /** Every object whose key starts with prefix, in key order. */
  list(prefix: string): AsyncIterable<ListedObject>;
  delete(key: string): Promise<void>;
  /** Releases sockets; the store is unusable afterwards. */
  close(): void;
}

// Keys are built from validated names and ids; this is the last line of defence before a file system or URL.
const segmentPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function validateKey(key: string): string {
  const segments = key.split('/');
  const ok =
    key.length > 0 &&
    key.length <= 512 &&
    segments.every((s) => segmentPattern.test(s) && !s.includes('..')) &&
    !key.endsWith(sidecarSuffix) &&
    !key.includes(temporaryMarker);
  if (!ok) {
    throw invalid(
      `Expected an object key made of '/'-separated segments of letters, digits, '_', '.' and '-' (no '..', no leading '.'), got ${shown(key)}.`,
    );
  }
  return key;
}

/** The local store keeps an object's metadata beside it in `<key>.meta.json`; no key may end so. */
export const sidecarSuffix = '.meta.json';
/** Marks the local store's temporary files; no key may contain it. */
export const temporaryMarker = '.tmp-';

/** An object store that could not be reached or refused a request: exit 1, with the store named. */
export function storeFailure(store: string, action: string, cause: unknown): BotctlError {
  const reason = cause instanceof Error ? describeError(cause) : String(cause);
  return new BotctlError('store_failure', `Object store ${store}: ${action} failed: ${reason}`, { cause });
}

function describeError(error: Error): string {
  const e = error as Error & { code?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const code = e.code ?? e.Code ?? (e.name !== 'Error' ? e.name : undefined);
  // AggregateError (every address refused) carries its reason in .errors, not .message.
  const message = e.message || (error instanceof AggregateError ? error.errors.map(String).join('; ') : '');
  return [code, status ? `HTTP ${status}` : undefined, message].filter(Boolean).join(': ') || 'unknown error';
}
