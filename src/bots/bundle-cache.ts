// The bundle cache (`<home>/cache/bundles`) grows with every template edit (a bundle and a bot module per source
// version), every botd upgrade or Node binary (a runtime snapshot, ~2.4 MB) and every build a crash left half
// written. Everything in it can be made again from the sources on this host, so botd removes what nothing has used
// for `maxIdleDays`: at start and once a day. A file's mtime says when it was last used: every use refreshes it
// (markUsed, at most hourly per file and process, so a busy host does not rewrite inode times on every run).
//
// The source cache (`<home>/cache/sources`) is left alone: it is small, and a custom version missing from it would
// have to be fetched from the object store just when its run is due.
import { readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

export const maxIdleDays = 14;
const dayMs = 24 * 60 * 60 * 1000;
const touchEveryMs = 60 * 60 * 1000;

/** When this process last refreshed each file's mtime. */
const touched = new Map<string, number>();

/** Records that a cached file is being used (now), so pruning keeps it. Never fails: the file may be gone. */
export function markUsed(path: string, now = Date.now()): void {
  if (now - (touched.get(path) ?? 0) < touchEveryMs) return;
  touched.set(path, now);
  try {
    const at = new Date(now);
    utimesSync(path, at, at);
  } catch {
    // Gone or not ours to touch: building it again is the worst that follows.
  }
}

export interface Pruned {
  removed: number;
  bytes: number;
}

/** Removes the files in `dir` not used for `maxIdleDays` (default 14). A missing folder has nothing to prune. */
export function pruneBundleCache(dir: string, { now = Date.now(), idleDays = maxIdleDays } = {}): Pruned {
  const pruned: Pruned = { removed: 0, bytes: 0 };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return pruned;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const stat = statSync(path);
      if (!stat.isFile() || now - stat.mtimeMs < idleDays * dayMs) continue;
      rmSync(path);
      touched.delete(path);
      pruned.removed++;
      pruned.bytes += stat.size;
    } catch {
      // Removed meanwhile by another process, or not ours: skip it.
    }
  }
  return pruned;
}
