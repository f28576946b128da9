import { doctor, type DoctorReport } from '../../bots/doctor.js';
import { openObjectStore } from '../../store/open-store.js';
import type { CommandContext } from '../context.js';
import { keyValues, success, table } from '../output.js';

export async function run(context: CommandContext, _args: string[], options: { verify?: boolean }): Promise<DoctorReport> {
  const store = openObjectStore(context.home);
  try {
    const { db } = await context.database();
    return await doctor(db, store, { verify: Boolean(options.verify) });
  } finally {
    store.close();
  }
}

// Problems found exit 1, so `botctl doctor` can gate a cron job or a deploy script.
export function exitCode(r: DoctorReport): number {
  return r.ok ? 0 : 1;
}

export function render(r: DoctorReport): string {
  const parts = [keyValues([['store', r.store], ['objects under bots/', r.objects]])];
  if (r.ok) parts.push(success('every uploaded version has its objects, and every object belongs to a version'));
  if (r.orphans.length) {
    parts.push(`Orphaned objects (no version row names them; safe to delete once no upload is running):`);
    parts.push(table(['key', 'bytes'], r.orphans.map((o) => [o.key, o.size])));
  }
  if (r.missing.length) {
    parts.push('Missing objects (these versions run only where they are cached):');
    parts.push(table(['bot', 'version', 'key'], r.missing.map((m) => [m.bot_id, m.version, m.key])));
  }
  if (r.damaged.length) {
    parts.push('Damaged objects (botd refuses to run them):');
    parts.push(table(['bot', 'version', 'key', 'why'], r.damaged.map((d) => [d.bot_id, d.version, d.key, d.reason])));
  }
  return parts.join('\n');
}
