// One botd per home. The lock is an exclusive SQLite lock on `<home>/botd.lock`, held for botd's lifetime:
// the kernel releases it when the process ends however it ends (kill -9 included), so there is never a
// stale lock to detect or take over, and two botds starting at once cannot both win, which a pid file
// checked for liveness cannot promise. `<home>/botd.pid` only says who holds it, for the error message.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { BotctlError } from '../errors.js';
import { ensureHome, homePaths } from '../home.js';

export interface DaemonLock {
  release(): void;
}

export class AlreadyRunning extends BotctlError {
  constructor(home: string, pid: number | undefined) {
    super('runtime_failure', `botd is already running for ${home}${pid ? ` (pid ${pid})` : ''}`);
    this.name = 'AlreadyRunning';
  }
}

export function acquireDaemonLock(home: string): DaemonLock {
  ensureHome(home);
  const pidFile = join(home, 'botd.pid');
  // timeout 0: a held lock fails at once with SQLITE_BUSY instead of waiting.
  const lock = new SQLite(homePaths(home).daemonLock, { timeout: 0 });
  try {
    lock.pragma('journal_mode = DELETE');
    // In EXCLUSIVE locking mode the connection keeps its write lock after the first write, until closed.
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
    lock.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since TEXT NOT NULL)');
    lock.exec('DELETE FROM holder');
    lock.prepare('INSERT INTO holder (pid, since) VALUES (?, ?)').run(process.pid, new Date().toISOString());
    lock.exec('COMMIT');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw new AlreadyRunning(home, readPid(pidFile));
    throw error;
  }
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o644 });
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (readPid(pidFile) === process.pid) rmSync(pidFile, { force: true });
      lock.close();
    },
  };
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
