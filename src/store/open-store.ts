import { invalid, shown } from '../errors.js';
import { homePaths } from '../home.js';
import { localStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { s3Store } from './s3-store.js';

export type StoreConfig =
  | { kind: 's3'; bucket: string; endpoint: string | undefined; region: string }
  | { kind: 'local'; root: string };

// S3 when BOTCTL_S3_BUCKET is set (credentials from the SDK's standard chain), else the home's own folder.
export function storeConfig(home: string, env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const bucket = env.BOTCTL_S3_BUCKET?.trim();
  const endpoint = env.BOTCTL_S3_ENDPOINT?.trim() || undefined;
  if (!bucket) {
    if (endpoint) throw invalid(`BOTCTL_S3_ENDPOINT is set to ${shown(endpoint)} but BOTCTL_S3_BUCKET is not: set both to use S3, or neither for the local folder.`);
    return { kind: 'local', root: homePaths(home).objectStore };
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

export function openObjectStore(home: string, env: NodeJS.ProcessEnv = process.env): ObjectStore {
  const config = storeConfig(home, env);
  return config.kind === 's3' ? s3Store(config) : localStore(config.root);
}
