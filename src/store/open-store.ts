import { isAbsolute } from 'node:path';
import { invalid, shown } from '../errors.js';
import { homePaths } from '../home.js';
import { localStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { s3Store } from './s3-store.js';

export type StoreConfig =
  | { kind: 's3'; bucket: string; endpoint: string | undefined; region: string }
  /** `declared`: a folder named by BOTCTL_OBJECTS_DIR (one every node mounts), not the home's own. */
  | { kind: 'local'; root: string; declared: boolean };

// S3 when BOTCTL_S3_BUCKET is set (credentials from the SDK's standard chain), else a local folder: the one
// BOTCTL_OBJECTS_DIR names (absolute), or the home's own.
export function storeConfig(home: string, env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const bucket = env.BOTCTL_S3_BUCKET?.trim();
  const endpoint = env.BOTCTL_S3_ENDPOINT?.trim() || undefined;
  const folder = env.BOTCTL_OBJECTS_DIR?.trim() || undefined;
  if (bucket && folder) throw invalid(`BOTCTL_S3_BUCKET and BOTCTL_OBJECTS_DIR are both set (${shown(bucket)}, ${shown(folder)}): set one, S3 or a local folder.`);
  if (!bucket) {
    if (endpoint) throw invalid(`BOTCTL_S3_ENDPOINT is set to ${shown(endpoint)} but BOTCTL_S3_BUCKET is not: set both to use S3, or neither for the local folder.`);
    if (folder !== undefined && !isAbsolute(folder)) throw invalid(`Expected BOTCTL_OBJECTS_DIR to be an absolute path, got ${shown(folder)}.`);
    return folder ? { kind: 'local', root: folder, declared: true } : { kind: 'local', root: homePaths(home).objectStore, declared: false };
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw invalid(`Expected BOTCTL_S3_BUCKET to be an S3 bucket name (3-63 lower-case letters, digits, '.' and '-'), got ${shown(bucket)}.`);
  }
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(endpoint)) {
    throw invalid(`Expected BOTCTL_S3_ENDPOINT to be an http(s) URL with no path, such as http://127.0.0.1:7480, got ${shown(endpoint)}.`);
  }
  const region = env.BOTCTL_S3_REGION?.trim() || env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'us-east-1';
  return { kind: 's3', bucket, endpoint: endpoint?.replace(/\/$/, ''), region };
}

/**
 * A fleet's nodes must all see the same objects: an uploaded bot stored in one host's home folder cannot run on the
 * others. So on a shared database, S3 or a folder declared shared (BOTCTL_OBJECTS_DIR, mounted on every node).
 */
export function assertFleetStore(config: StoreConfig, database: string): void {
  if (config.kind === 's3' || config.declared) return;
  throw invalid(
    `Expected an object store every node shares with ${database}, got this home's own folder ${config.root}, which other nodes cannot read.`,
    'set BOTCTL_S3_BUCKET (and BOTCTL_S3_ENDPOINT) for S3, or BOTCTL_OBJECTS_DIR to a folder mounted on every node (NFS)',
  );
}

export function openObjectStore(home: string, env: NodeJS.ProcessEnv = process.env): ObjectStore {
  const config = storeConfig(home, env);
  return config.kind === 's3' ? s3Store(config) : localStore(config.root);
}
