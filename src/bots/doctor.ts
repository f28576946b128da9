import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ObjectStore } from '../store/object-store.js';
import { sha256 } from './digest.js';
import { ageMs, orphanGraceMs, removeUnreferenced } from './orphans.js';

export interface DoctorReport {
  store: string;
  /** Objects under bots/ in the store. */
  objects: number;
  /**
   * Objects no row names: left by an upload whose database write failed, by a delete interrupted before its
   * objects went, or written by an upload still in flight. After --fix, only those too young to remove.
   */
  orphans: { key: string; size: number; modified: string }[];
  /** With --fix: the orphans removed (older than the grace period, still unnamed when checked again). */
  removed?: { key: string; size: number; modified: string }[];
  /** How old an orphan must be before --fix removes it, in seconds (orphanGraceMs, src/bots/orphans.ts). */
  grace_s: number;
  /** Objects a version row names that the store does not hold: that version cannot run where it is not cached. */
  missing: { bot_id: number; version: number; key: string }[];
  /** Objects whose size (or, with verify, whose sha256) differs from what was recorded at upload. */
  damaged: { bot_id: number; version: number; key: string; reason: string }[];
  ok: boolean;
}

export interface DoctorOptions {
  verify?: boolean;
  /** Remove orphans older than the grace period. */
  fix?: boolean;
  /** The time orphans' ages are measured at (tests stand in for an hour passing). */
  now?: number;
}

// Compares the object store with the bot_versions table, both ways; with fix, removes old orphans. The
// listing comes first and the rows after it, so that an upload which commits in between is seen as named.
export async function doctor(db: Kysely<Database>, store: ObjectStore, options: DoctorOptions = {}): Promise<DoctorReport> {
  const listed = new Map<string, { size: number; modified: Date }>();
  for await (const object of store.list('bots/')) listed.set(object.key, { size: object.size, modified: object.modified });
  const versions = await db
    .selectFrom('bot_versions')
    .select(['bot_id', 'version', 'code_path', 'bundle_path', 'sha256', 'bundle_sha256', 'size', 'bundle_size'])
    .orderBy('bot_id')
    .orderBy('version')
    .execute();

  const named = new Set<string>();
  const missing: DoctorReport['missing'] = [];
  const damaged: DoctorReport['damaged'] = [];
  for (const v of versions) {
    for (const [key, size, digest] of [
      [v.code_path, v.size, v.sha256],
      [v.bundle_path, v.bundle_size, v.bundle_sha256],
    ] as const) {
      named.add(key);
      const stored = listed.get(key)?.size;
      if (stored === undefined) missing.push({ bot_id: v.bot_id, version: v.version, key });
      else if (stored !== size) damaged.push({ bot_id: v.bot_id, version: v.version, key, reason: `${stored} bytes stored, ${size} recorded` });
      else if (options.verify) {
        const object = await store.get(key);
        const actual = object ? sha256(object.bytes) : undefined;
        if (actual !== digest) damaged.push({ bot_id: v.bot_id, version: v.version, key, reason: `sha256 ${actual ?? 'unreadable'}, ${digest} recorded` });
      }
    }
  }
  let orphans = [...listed]
    .filter(([key]) => !named.has(key))
    .map(([key, { size, modified }]) => ({ key, size, modified: modified.toISOString() }));
  let removed: DoctorReport['removed'];
  if (options.fix) ({ orphans, removed } = await removeOldOrphans(db, store, orphans, options.now ?? Date.now()));
  return {
    store: store.describe(),
    objects: listed.size - (removed?.length ?? 0),
    orphans,
    ...(removed ? { removed } : {}),
    grace_s: orphanGraceMs / 1000,
    missing,
    damaged,
    ok: orphans.length === 0 && missing.length === 0 && damaged.length === 0,
  };
}

// Old enough that no upload in flight can still claim it (orphans.ts), and still named by no row when checked
// again now, after the listing: a row committed since keeps its objects.
async function removeOldOrphans(db: Kysely<Database>, store: ObjectStore, orphans: DoctorReport['orphans'], now: number) {
  const old = orphans.filter((o) => ageMs(new Date(o.modified), now) >= orphanGraceMs);
  const gone = new Set(await removeUnreferenced(db, store, old.map((o) => o.key)));
  return { orphans: orphans.filter((o) => !gone.has(o.key)), removed: old.filter((o) => gone.has(o.key)) };
}
