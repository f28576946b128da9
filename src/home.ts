import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { BotctlError, invalid } from './errors.js';

// The home folder holds the database, the master key, the bundle cache and the local object store.
export function resolveHome(explicit?: string): string {
  if (explicit) return resolve(explicit);
  if (process.env.BOTCTL_HOME) return resolve(process.env.BOTCTL_HOME);
  const dataHome = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(dataHome, 'botctl');
}

export function ensureHome(home: string): string {
  try {
    // 0700: the home holds the master key and the encrypted API keys.
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // mkdir answers EEXIST (or ENOTDIR for a file higher up): the path is there, but not as a folder.
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw invalid(`Expected --home to be a folder, got ${home}, which is a file (or lies under one).`, 'point --home (or BOTCTL_HOME) at a folder');
    }
    throw new BotctlError('runtime_failure', `Cannot create the home folder ${home} (${code ?? String(error)}).`, {
      cause: error,
      hint: 'check that its parent exists and is writable by this user, or choose another --home',
    });
  }
  return home;
}

export const homePaths = (home: string) => ({
  database: join(home, 'botctl.db'),
  masterKey: join(home, 'master.key'),
  bundleCache: join(home, 'cache', 'bundles'),
  objectStore: join(home, 'objects'),
  daemonLock: join(home, 'botd.lock'),
});
