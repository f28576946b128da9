import { existsSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';

export type DbSnapshot = Record<string, unknown[]>;

// Every row of every table (and the schema itself), for "nothing was written" assertions:
// take one before a failing command and compare after. A missing database snapshots as {}.
export function snapshotDatabase(home: string): DbSnapshot {
  const path = join(home, 'botctl.db');
  if (!existsSync(path)) return {};
  const db = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const snapshot: DbSnapshot = {
      __schema: db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all(),
      __user_version: [db.pragma('user_version', { simple: true })],
    };
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    for (const { name } of tables) {
      snapshot[name] = db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}" ORDER BY rowid`).all();
    }
    return snapshot;
  } finally {
    db.close();
  }
}
