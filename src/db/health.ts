// Is the database fit to be written to? Checked by botd before it schedules anything (and by `botctl
// doctor`): a damaged file found at start is a message and a next step, not 373 runs on broken pages; a
// read-only home or file stops botd at once instead of failing every run.
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';
import { BotctlError } from '../errors.js';
import { databaseError } from './database-error.js';

export type QuickCheck = { status: 'ok' } | { status: 'damaged'; problems: string[] } | { status: 'timed_out'; afterMs: number };

/** How long botd's start-up check may take: a large database is checked by `botctl doctor` instead. */
export const startupQuickCheckMs = 10_000;

// PRAGMA quick_check reads every page: ~1 s per few hundred MB, and SQLite offers no way to bound it. It
// runs in a worker thread on its own read-only connection, so botd can stop waiting at the deadline; the
// worker is left to finish (it holds only a read snapshot) and never keeps the process alive.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const rows = db.pragma('quick_check(20)');
  parentPort.postMessage({ rows: rows.map((r) => String(Object.values(r)[0])) });
} catch (error) {
  parentPort.postMessage({ error: String(error && error.message || error), code: error && error.code });
} finally {
  try { db && db.close(); } catch {}
}`;

export function quickCheck(file: string, timeoutMs: number): Promise<QuickCheck> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(workerSource, { eval: true, workerData: { file, driver } });
  worker.unref();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve({ status: 'timed_out', afterMs: timeoutMs });
    }, timeoutMs);
    timer.unref();
    const done = (result: QuickCheck) => {
      clearTimeout(timer);
      resolve(result);
    };
    worker.once('message', (message: { rows?: string[]; error?: string; code?: string }) => {
      if (message.rows) done(message.rows.length === 1 && message.rows[0] === 'ok' ? { status: 'ok' } : { status: 'damaged', problems: message.rows });
      else done({ status: 'damaged', problems: [`${message.code ? `${message.code}: ` : ''}${message.error ?? 'unknown error'}`] });
    });
    worker.once('error', (error) => done({ status: 'damaged', problems: [error.message] }));
  });
}

/** The error botd stops with when the check found damage. */
export function damagedDatabase(file: string, problems: string[]): BotctlError {
  const shown = problems.slice(0, 3).join('; ');
  return new BotctlError('runtime_failure', `database is damaged: ${file} failed PRAGMA quick_check: ${shown}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`, {
    hint: `keep botd stopped; restore a backup with \`botctl restore FILE\`, or recover what is readable with \`sqlite3 ${file} .recover\``,
  });
}

/** botd writes its database, caches and lock in the home: a read-only one stops it at start. */
export function assertWritableHome(home: string): void {
  const probe = join(home, `.write-probe-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new BotctlError('runtime_failure', `home ${home} is not writable (${code}): botd writes its database, caches and lock there`, {
      cause: error,
      hint: code === 'EROFS' ? `remount that filesystem read-write, or start botd with --home on a writable one` : `make ${home} writable by this user (chown/chmod)`,
    });
  }
}

/** Takes the write lock and lets it go: SQLite answers a read-only file or mount here, not at the first run. */
export function assertWritableDatabase(sqlite: SQLite.Database, file: string): void {
  try {
    sqlite.exec('BEGIN IMMEDIATE');
    sqlite.exec('ROLLBACK');
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw databaseError(error, file, 'botd cannot write its database');
  }
}
