import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ObjectStore } from '../store/object-store.js';
import { sha256 } from './digest.js';

export interface DoctorReport {
  store: string;
  /** Objects under bots/ in the store. */
  objects: number;
  /** Objects no version row names: left by an upload whose database write failed (or by a deleted bot). */
  orphans: { key: string; size: number }[];
  /** Objects a version row names that the store does not hold: that version cannot run where it is not cached. */
  missing: { bot_id: number; version: number; key: string }[];
  /** Objects whose size (or, with verify, whose sha256) differs from what was recorded at upload. */
  damaged: { bot_id: number; version: number; key: string; reason: string }[];
  ok: boolean;
}

// Compares the object store with the bot_versions table, both ways.
export async function doctor(db: Kysely<Database>, store: ObjectStore, options: { verify?: boolean } = {}): Promise<DoctorReport> {
  const listed = new Map<string, number>();
  for await (const object of store.list('bots/')) listed.set(object.key, object.size);
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
      const stored = listed.get(key);
      if (stored === undefined) missing.push({ bot_id: v.bot_id, version: v.version, key });
      else if (stored !== size) damaged.push({ bot_id: v.bot_id, version: v.version, key, reason: `${stored} bytes stored, ${size} recorded` });
      else if (options.verify) {
        const object = await store.get(key);
        const actual = object ? sha256(object.bytes) : undefined;
        if (actual !== digest) damaged.push({ bot_id: v.bot_id, version: v.version, key, reason: `sha256 ${actual ?? 'unreadable'}, ${digest} recorded` });
      }
    }
  }
  const orphans = [...listed].filter(([key]) => !named.has(key)).map(([key, size]) => ({ key, size }));
  return {
    store: store.describe(),
    objects: listed.size,
    orphans,
    missing,
    damaged,
    ok: orphans.length === 0 && missing.length === 0 && damaged.length === 0,
  };
}
