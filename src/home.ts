import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

// The home folder holds the database, the master key, the bundle cache and the local object store.
export function resolveHome(explicit?: string): string {
  if (explicit) return resolve(explicit);
  if (process.env.BOTCTL_HOME) return resolve(process.env.BOTCTL_HOME);
  const dataHome = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(dataHome, 'botctl');
}

export function ensureHome(home: string): string {
  // 0700: the home holds the master key and the encrypted API keys.
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return home;
}

export const homePaths = (home: string) => ({
  database: join(home, 'botctl.db'),
  masterKey: join(home, 'master.key'),
  bundleCache: join(home, 'cache', 'bundles'),
  objectStore: join(home, 'objects'),
  daemonLock: join(home, 'botd.lock'),
});
