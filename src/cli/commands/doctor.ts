import { doctor, type DoctorReport as StoreReport } from '../../bots/doctor.js';
import { defaultHeapMb } from '../../daemon/defaults.js';
import { sandboxLayers, type SandboxLayers } from '../../sandbox/layers.js';
import { openObjectStore } from '../../store/open-store.js';
import type { CommandContext } from '../context.js';
import { keyValues, paint, success, table } from '../output.js';

/** The store's consistency, and which walls around bot code are in force on this host. */
export type DoctorReport = StoreReport & { sandbox: SandboxLayers };

export async function run(context: CommandContext, _args: string[], options: { verify?: boolean }): Promise<DoctorReport> {
  const store = openObjectStore(context.home);
  try {
    const { db } = await context.database();
    const report = await doctor(db, store, { verify: Boolean(options.verify) });
    const sandbox = sandboxLayers(defaultHeapMb);
    return { ...report, sandbox, ok: report.ok && sandbox.ok };
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
  const storeOk = r.orphans.length === 0 && r.missing.length === 0 && r.damaged.length === 0;
  if (storeOk) parts.push(success('every uploaded version has its objects, and every object belongs to a version'));
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
  parts.push(renderLayers(r.sandbox));
  return parts.join('\n');
}

function renderLayers(s: SandboxLayers): string {
  const os = s.os_sandbox.in_force ? s.os_sandbox.detail : paint.red(`NOT IN FORCE: ${s.os_sandbox.reason}; fix: ${s.os_sandbox.fix}`);
  return [
    'Walls around bot code on this host:',
    keyValues([
      ['permission model', s.permission_model],
      ['OS sandbox', os],
      ['memory cap', s.memory_cap],
      ['inspector', s.inspector],
      ['custom bots', s.custom_bots],
    ]),
  ].join('\n');
}
