import { resolve } from 'node:path';
import { restoreDatabase, type RestoreResult } from '../../daemon/backup.js';
import { invalid } from '../../errors.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { keyValues, success } from '../output.js';

// Replaces the home's database with a backup; refused while botd runs. The replaced one is kept beside it.
export async function run(context: CommandContext, [file]: Arguments<'restore'>): Promise<RestoreResult> {
  if (!file) throw invalid('Expected FILE, the backup to restore, got nothing.');
  return restoreDatabase(context.home, resolve(file));
}

export function render(r: RestoreResult): string {
  return `${success(`restored from ${r.restored_from}`)}\n${keyValues([['runs', r.runs], ['previous database kept as', r.previous]])}\n  next: botd start`;
}
