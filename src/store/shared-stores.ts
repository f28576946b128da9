// One store per configuration for a long-lived process (botd, `botctl run`): its S3 client keeps its
// connections alive between runs. Closed when the process is done. open-store.ts (and with it the AWS SDK) is
// loaded only when a store is first needed, so a template-only botd never loads it.
import type { ObjectStore } from './object-store.js';

const shared = new Map<string, ObjectStore>();

export async function sharedObjectStore(home: string, env: NodeJS.ProcessEnv = process.env): Promise<ObjectStore> {
  const { openObjectStore, storeConfig } = await import('./open-store.js');
  const key = JSON.stringify(storeConfig(home, env));
  let store = shared.get(key);
  if (!store) {
    store = openObjectStore(home, env);
    shared.set(key, store);
  }
  return store;
}

/** Releases every shared store's sockets; a later sharedObjectStore() opens a fresh one. */
export function closeSharedObjectStores(): void {
  for (const store of shared.values()) store.close();
  shared.clear();
}
