// Which stored objects may be removed, and removing them: those of a deleted bot, and the orphans
// `botctl doctor --fix` collects. An upload writes its objects BEFORE the row that names them commits
// (src/bots/upload.ts), so an object without a row is either garbage or an upload in flight; age tells them apart.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ObjectStore } from '../store/object-store.js';

/**
 * An orphan younger than this may belong to an upload in flight and is never collected. An upload holds
 * objects without a row from its first HEAD of a slot to its commit: at most six S3 requests in a row (each
 * given up after 5 s to connect and 30 s to answer, 3 attempts: about 2 minutes at worst, 12 in all) and one
 * SQLite write (busy_timeout 5 s). An hour is five times that worst case, and long enough that a process
 * stopped in a debugger or on a suspended laptop is the rare case left; it assumes the S3 server's clock is
 * within minutes of ours (its LastModified is compared with our Date.now()).
 */
export const orphanGraceMs = 60 * 60 * 1000;

/**
 * An upload adopts objects it finds in its slot (left by an earlier attempt with the same bytes whose rows
 * were never written) only while they are younger than this; older ones it leaves and takes the next slot.
 * Without this limit, an upload could adopt a two-hour-old orphan in the very moment `doctor --fix` removes
 * it. With it, an object that doctor finds older than the grace period was adopted, if ever, more than
 * orphanGraceMs - adoptWindowMs (45 minutes) ago, so the adopting upload has committed its row, and doctor's
 * check of the rows, made after the listing, sees it.
 */
export const adoptWindowMs = 15 * 60 * 1000;

export function ageMs(modified: Date, now: number = Date.now()): number {
  return now - modified.getTime();
}

/** The keys among these that a bot or version row names. */
export async function referencedKeys(db: Kysely<Database>, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  // SQLite allows 32,766 bound parameters; a bot has two objects per version.
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const versions = await db
      .selectFrom('bot_versions')
      .select(['code_path', 'bundle_path'])
      .where((eb) => eb.or([eb('code_path', 'in', chunk), eb('bundle_path', 'in', chunk)]))
      .execute();
    for (const v of versions) found.add(v.code_path).add(v.bundle_path);
    const bots = await db.selectFrom('bots').select('code_path').where('code_path', 'in', chunk).execute();
    for (const b of bots) found.add(b.code_path);
  }
  return new Set(keys.filter((key) => found.has(key)));
}

/**
 * Removes those of the keys that no row names, checked against the rows just before removing. Returns the
 * removed keys; an object already gone counts as removed.
 */
export async function removeUnreferenced(db: Kysely<Database>, store: ObjectStore, keys: string[]): Promise<string[]> {
  const referenced = await referencedKeys(db, keys);
  const removable = keys.filter((key) => !referenced.has(key));
  for (const key of removable) await store.delete(key);
  return removable;
}
