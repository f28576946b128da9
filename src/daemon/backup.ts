// Backups of the whole ledger through SQLite's online backup API: page by page from a read snapshot, so the
// copy is consistent while botd keeps writing (a `cp` of botctl.db without its -wal is not). Restoring
// replaces the home's database and needs botd stopped: it takes botd's lock for the duration.
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { conflict, errorText, invalid } from '../errors.js';
import { homePaths } from '../home.js';
import { AlreadyRunning, acquireDaemonLock } from './lock.js';
import { databaseError } from '../db/database-error.js';
import { quickCheck } from '../db/health.js';

export interface BackupResult {
  file: string;
  bytes: number;
  runs: number;
}

/** Writes a consistent copy of `source` (an open connection) to `file`, which must not exist yet. */
export async function backupDatabase(source: SQLite.Database, file: string): Promise<BackupResult> {
  if (existsSync(file)) throw invalid(`Expected FILE to be a new file, got ${file}, which already exists.`, 'choose another name, or remove it first');
  try {
    await source.backup(file);
  } catch (error) {
    rmSync(file, { force: true });
    throw databaseError(error, file, 'The backup could not be written');
  }
  return { file, bytes: statSync(file).size, runs: countRuns(file) };
}

export interface RestoreResult {
  restored_from: string;
  /** The database it replaced, kept beside it. */
  previous: string | null;
  runs: number;
}

// A restore is refused while botd runs (its lock), and of anything but a sound botctl database.
export async function restoreDatabase(home: string, file: string): Promise<RestoreResult> {
  await assertRestorable(file);
  let lock;
  try {
    lock = acquireDaemonLock(home);
  } catch (error) {
    if (error instanceof AlreadyRunning) throw conflict(`Refusing to restore while ${error.message}.`, 'stop botd first (systemctl stop botd), then restore');
    throw error;
  }
  const target = homePaths(home).database;
  const incoming = `${target}.restoring`;
  try {
    rmSync(incoming, { force: true });
    await copyDatabase(file, incoming);
    let previous: string | null = null;
    if (existsSync(target)) {
      previous = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      // Through the backup API too: the current file's -wal is folded into the kept copy.
      await copyDatabase(target, previous);
    }
    for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
    renameSync(incoming, target);
    return { restored_from: file, previous, runs: countRuns(target) };
  } catch (error) {
    rmSync(incoming, { force: true });
    throw databaseError(error, target, 'The restore failed; the database was left as it was');
  } finally {
    lock.release();
  }
}

async function assertRestorable(file: string): Promise<void> {
  if (!existsSync(file) || !statSync(file).isFile()) throw invalid(`Expected FILE to be a backup file, got ${file}, which does not exist or is not a file.`);
  let tables: string[];
  try {
    const db = new SQLite(file, { readonly: true, fileMustExist: true });
    try {
      tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name);
    } finally {
      db.close();
    }
  } catch (error) {
    throw invalid(`Expected FILE to be a botctl database backup, got ${file}: ${errorText(error)}.`);
  }
  const missing = ['bots', 'subscriptions', 'runs'].filter((t) => !tables.includes(t));
  if (missing.length) throw invalid(`Expected FILE to be a botctl database backup, got ${file}, which has no ${missing.join(', ')} table.`);
  const check = await quickCheck(file, 60_000);
  if (check.status === 'damaged') throw invalid(`Expected FILE to be a sound backup, got ${file}, which fails PRAGMA quick_check: ${check.problems.slice(0, 3).join('; ')}.`);
}

async function copyDatabase(from: string, to: string): Promise<void> {
  const source = new SQLite(from, { fileMustExist: true });
  try {
    await source.backup(to);
  } finally {
    source.close();
  }
}

function countRuns(file: string): number {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  } finally {
    db.close();
  }
}
