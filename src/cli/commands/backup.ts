import { resolve } from 'node:path';
import { backupDatabase, type BackupResult } from '../../daemon/backup.js';
import { invalid } from '../../errors.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { keyValues, success } from '../output.js';

// A consistent copy of the database while botd runs (SQLite's online backup), for `botctl restore`.
export async function run(context: CommandContext, [file]: Arguments<'backup'>): Promise<BackupResult> {
  if (!file) throw invalid('Expected FILE, the backup to write, got nothing.');
  if (context.databaseUrl) {
    throw invalid(
      `Expected an SQLite home to back up, but the database is ${context.databaseLocation} (BOTCTL_DATABASE_URL or --database).`,
      "back up PostgreSQL with its own tools: pg_dump, or the server's continuous archiving",
    );
  }
  const { sqlite } = await context.sqlite();
  return backupDatabase(sqlite, resolve(file));
}

export function render(r: BackupResult): string {
  return `${success(`backup written to ${r.file}`)}\n${keyValues([['bytes', r.bytes], ['runs', r.runs]])}`;
}
