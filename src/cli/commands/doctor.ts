import { doctor, type DoctorReport as StoreReport } from '../../bots/doctor.js';
import { quickCheck } from '../../db/health.js';
import { unopenableKeys } from '../../secrets/keys.js';
import { defaultHeapMb } from '../../daemon/defaults.js';
import { sandboxLayers, type SandboxLayers } from '../../sandbox/layers.js';
import { openObjectStore } from '../../store/open-store.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { keyValues, success, table, when, type Cell } from '../output.js';

/** The store's consistency, and which walls around bot code are in force on this host. */
export type DoctorReport = StoreReport & {
  sandbox: SandboxLayers;
  /** PRAGMA quick_check of the database file; on PostgreSQL, that the server answered. */
  database: { file: string; quick_check: 'ok' | 'timed_out' | 'not_applicable' | string[] };
  /** Stored API keys this master key cannot open (botd would fail every order with them), and why. */
  api_keys: { unopenable: string[]; reason?: string };
};

// A minute covers a database of several GB; beyond that the answer says it did not finish.
const quickCheckMs = 60_000;

export async function run(context: CommandContext, _args: Arguments<'doctor'>, options: Options<'doctor'>): Promise<DoctorReport> {
  const store = openObjectStore(context.home);
  try {
    const { db } = await context.database();
    const file = context.databaseLocation;
    // PostgreSQL checks its own pages (data checksums, amcheck): opening it above proved it answers.
    const check = context.databaseUrl ? ({ status: 'not_applicable' } as const) : await quickCheck(file, quickCheckMs);
    const database = { file, quick_check: check.status === 'damaged' ? check.problems : check.status };
    const report = await doctor(db, store, { verify: Boolean(options.verify), fix: Boolean(options.fix) });
    const sandbox = sandboxLayers(defaultHeapMb);
    const keys = await unopenableKeys(db, context.home);
    const api_keys = keys ? { unopenable: keys.names, reason: keys.reason } : { unopenable: [] };
    return { ...report, sandbox, database, api_keys, ok: report.ok && sandbox.ok && check.status !== 'damaged' && !keys };
  } finally {
    store.close();
  }
}

// Problems found exit 1, so `botctl doctor` can gate a cron job or a deploy script.
export function exitCode(r: DoctorReport): number {
  return r.ok ? 0 : 1;
}

export function render(r: DoctorReport): string {
  const checked = Array.isArray(r.database.quick_check) ? 'DAMAGED' : r.database.quick_check;
  const parts = [keyValues([['database', r.database.file], ['quick_check', checked], ['store', r.store], ['objects under bots/', r.objects]])];
  if (Array.isArray(r.database.quick_check)) {
    parts.push(`The database is damaged (PRAGMA quick_check):\n${r.database.quick_check.map((p) => `  ${p}`).join('\n')}`);
    parts.push(`next: stop botd, then restore a backup with \`botctl restore FILE\`, or recover with \`sqlite3 ${r.database.file} .recover\``);
  }
  if (r.api_keys.unopenable.length) {
    parts.push(`API keys this master key cannot decrypt: ${r.api_keys.unopenable.join(', ')} (${r.api_keys.reason})`);
    parts.push('next: use the master key they were stored under (BOTCTL_MASTER_KEY or <home>/master.key), or add them again: botctl keys rm NAME && botctl keys add NAME --exchange ID');
  }
  const storeOk = r.orphans.length === 0 && r.missing.length === 0 && r.damaged.length === 0;
  if (storeOk) parts.push(success('every uploaded version has its objects, and every object belongs to a version'));
  if (r.removed?.length) {
    parts.push(success(`removed ${r.removed.length} orphaned object(s), each older than ${r.grace_s / 3600} h and named by no row:`));
    parts.push(table(['key', 'bytes', 'written'], r.removed.map((o) => [o.key, o.size, when(o.modified)])));
  }
  if (r.orphans.length) {
    // Younger than the grace period, an orphan may be an upload still in flight: --fix leaves it until then.
    parts.push(
      r.removed
        ? `Orphaned objects kept (younger than ${r.grace_s / 3600} h: an upload may still be writing them; run --fix again later):`
        : `Orphaned objects (no row names them): \`botctl doctor --fix\` removes those older than ${r.grace_s / 3600} h:`,
    );
    parts.push(table(['key', 'bytes', 'written'], r.orphans.map((o) => [o.key, o.size, when(o.modified)])));
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
  const os: Cell = s.os_sandbox.in_force ? s.os_sandbox.detail : { text: `NOT IN FORCE: ${s.os_sandbox.reason}; fix: ${s.os_sandbox.fix}`, tone: 'bad' };
  return [
    'Walls around bot code on this host:',
    keyValues([
      ['permission model', s.permission_model],
      ['OS sandbox', os],
      ['memory cap', s.memory_layer.layer.startsWith('cgroup') ? s.memory_cap : { text: `${s.memory_cap}; fix: ${s.memory_layer.fix ?? ''}`, tone: 'warn' }],
      ['inspector', s.inspector],
      ['custom bots', s.custom_bots],
    ]),
  ].join('\n');
}
