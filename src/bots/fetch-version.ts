import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Bot, BotVersion, Database } from '../db/schema.js';
import { BotctlError, errorText } from '../errors.js';
import { writeFileAtomically } from '../atomic-write.js';
import type { ObjectStore } from '../store/object-store.js';
import { sha256 } from './digest.js';
import { sourceCachePath } from './source-cache.js';
import { chooseVersion } from './versions.js';

export interface CustomSource {
  /** The verified source in the local cache, ready for bundleBot(). */
  sourcePath: string;
  version: BotVersion;
  /** For messages and logs: `my_bot v3 (bots/dev/7/v3/my_bot.ts)`. */
  displayName: string;
  /** The version's stored source, for stack frames: `bots/dev/7/v3/my_bot.ts`. */
  codePath: string;
}

// A custom bot's code for one run: the pinned version or else the newest, from the local cache when it holds
// those exact bytes (so a run needs no object store), else fetched once and verified against the digest
// recorded at upload.
export async function resolveCustomSource(
  db: Kysely<Database>,
  home: string,
  store: ObjectStore,
  bot: Bot,
  pinned: number | null,
): Promise<CustomSource> {
  const version = await chooseVersion(db, bot, pinned);
  const displayName = `${bot.name} v${version.version} (${version.code_path})`;
  const sourcePath = await fetchVersionSource(store, home, version, displayName);
  return { sourcePath, version, displayName, codePath: version.code_path };
}

/** The cached source file of a version, fetching and verifying it first when it is not cached. */
export async function fetchVersionSource(store: ObjectStore, home: string, version: BotVersion, displayName: string): Promise<string> {
  const path = sourceCachePath(home, version.sha256);
  const cached = readIfPresent(path);
  if (cached && sha256(cached) === version.sha256) return path;
  let object;
  try {
    object = await store.get(version.code_path);
  } catch (error) {
    throw new BotctlError(
      'store_failure',
      `${displayName} is not cached on this host and the object store could not be read, so it cannot run now; the next scheduled run tries again. ${errorText(error)}`,
      { cause: error },
    );
  }
  if (!object) {
    throw new BotctlError('store_failure', `${displayName} is missing from the object store ${store.describe()}.`, {
      hint: 'botctl doctor',
    });
  }
  const actual = sha256(object.bytes);
  if (actual !== version.sha256) {
    throw new BotctlError(
      'runtime_failure',
      `Refused to run ${displayName}: sha256 digest mismatch — the stored object hashes to ${actual}, but ${version.sha256} was recorded at upload. It was changed or damaged in ${store.describe()}.`,
      { hint: 'botctl doctor' },
    );
  }
  writeFileAtomically(path, object.bytes);
  return path;
}

function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

