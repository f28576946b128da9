// SQLite's own messages ("database or disk is full", "disk I/O error") name neither the file nor what to do.
// Every database error that reaches an operator (botctl's stderr, botd's log) goes through here first, so
// it says which file, what the cause is in plain words, and the next step.
import { BotctlError, errorText } from '../errors.js';

interface Cause {
  /** Short and greppable: `botctl run` prints it first ("disk full"). */
  cause: string;
  next: string;
}

function causeOf(code: string, file: string): Cause | undefined {
  if (code === 'SQLITE_FULL') {
    return { cause: 'disk full', next: `free space on the filesystem that holds ${file} (botd retries its writes by itself)` };
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return { cause: 'database is read-only', next: `make ${file} and its folder writable by this user (and check the filesystem is not mounted read-only)` };
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return { cause: 'database is damaged', next: `stop botd and restore a backup: botctl restore FILE (see botctl doctor)` };
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return { cause: 'disk I/O error', next: `check that ${file} still exists and its filesystem is healthy (dmesg), then restart botd` };
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return { cause: 'database cannot be opened', next: `check that the folder of ${file} exists and is writable by this user` };
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return { cause: 'database is busy', next: 'retry in a moment; another process holds a long write lock' };
  }
  if (code === 'SQLITE_NOMEM') return { cause: 'out of memory', next: 'free memory on this host and retry' };
  return undefined;
}

export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** A storage failure that may pass (space, locks, I/O, a PostgreSQL that restarts): worth retrying a write later. */
export function isTransientStorageError(error: unknown): boolean {
  const code = sqliteCode(error) ?? '';
  return code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || isPostgresUnavailable(error);
}

// PostgreSQL's classes 08 (connection exception), 53 (insufficient resources: disk full, too many connections),
// 57P (operator intervention: shut down, restarting) and 40 (serialization, deadlock), and the driver's own
// errors for a server that went away.
export function isPostgresUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(08|53|57P|40)/.test(code)) return true;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(errorText(error));
}

/** A foreign key that no longer holds: on both engines, the row it pointed at was deleted meanwhile. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

/** One line: "disk full: database or disk is full (/home/x/botctl.db)". */
export function databaseErrorText(error: unknown, file: string): string {
  const message = errorText(error);
  const code = sqliteCode(error);
  const known = code ? causeOf(code, file) : undefined;
  return known ? `${known.cause}: ${message} (${file})` : `${message} (${file})`;
}

/** The next step for an error, when it is a database error we know. */
export function databaseErrorNext(error: unknown, file: string): string | undefined {
  const code = sqliteCode(error);
  return code ? causeOf(code, file)?.next : undefined;
}

/** A BotctlError (exit 1) for a database error: the file, the cause and the next step. Others pass through. */
export function databaseError(error: unknown, file: string, doing?: string): unknown {
  if (error instanceof BotctlError || !sqliteCode(error)) return error;
  const hint = databaseErrorNext(error, file);
  return new BotctlError('runtime_failure', `${doing ? `${doing}: ` : ''}${databaseErrorText(error, file)}`, {
    cause: error,
    ...(hint ? { hint } : {}),
  });
}
