import type { Kysely } from 'kysely';
import type { BotKind, Database } from '../db/schema.js';
import { listTemplateFiles } from './templates.js';

// The file-usage report behind `botctl usage`: which code file serves how many bots and subscriptions,
// and what sharing saves. `--json` prints a UsageReport:
//   { files: [{code_path, kind, bots, subscriptions, bytes, bundle_bytes?}], totals: {bots, subscriptions, files,
//     bytes_on_disk, bytes_if_copied, bytes_saved} }
// bytes_on_disk counts each listed file once. bytes_if_copied is what a copy-per-bot design would hold:
// the same files, plus a copy of a template for each bot beyond the first that uses it. Only real sharing
// saves bytes: a template with one bot saves nothing (its bot could have had the file itself). A custom
// bot's code is its own in both designs, so custom files add the same bytes to both sides.

export interface UsageRow {
  code_path: string;
  kind: BotKind;
  bots: number;
  subscriptions: number;
  /** Size of the source: the file on disk (templates), or a version's source in the object store (custom). */
  bytes: number;
  /** Custom rows: the version's stored bundle, beside its source (templates store none; botd's cache is rebuilt at will). */
  bundle_bytes?: number;
  /** Custom rows: the bot and which of its versions this row is. */
  bot_id?: number;
  version?: number;
}

export interface UsageTotals {
  bots: number;
  subscriptions: number;
  files: number;
  bytes_on_disk: number;
  bytes_if_copied: number;
  bytes_saved: number;
}

export interface UsageReport {
  files: UsageRow[];
  totals: UsageTotals;
}

export async function usageReport(db: Kysely<Database>, templatesDir?: string): Promise<UsageReport> {
  const files = [...(await templateRows(db, templatesDir)), ...(await customRows(db))];
  const copies = files.filter((f) => f.kind === 'template').reduce((sum, f) => sum + f.bytes * Math.max(f.bots - 1, 0), 0);
  // Everything stored: sources, and custom versions' bundles.
  const bytesOnDisk = files.reduce((sum, f) => sum + f.bytes + (f.bundle_bytes ?? 0), 0);
  const totals: UsageTotals = {
    bots: files.reduce((sum, f) => sum + f.bots, 0),
    subscriptions: files.reduce((sum, f) => sum + f.subscriptions, 0),
    files: files.length,
    bytes_on_disk: bytesOnDisk,
    bytes_if_copied: bytesOnDisk + copies,
    bytes_saved: copies,
  };
  return { files, totals };
}

// Every template file in bot_files/, used or not, sized from disk.
async function templateRows(db: Kysely<Database>, templatesDir?: string): Promise<UsageRow[]> {
  const counts = await db
    .selectFrom('bots as b')
    .leftJoin('subscriptions as s', 's.bot_id', 'b.id')
    .select(['b.code_path', (eb) => eb.fn.count<number>('b.id').distinct().as('bots'), (eb) => eb.fn.count<number>('s.id').as('subscriptions')])
    .where('b.kind', '=', 'template')
    .groupBy('b.code_path')
    .execute();
  const byPath = new Map(counts.map((c) => [c.code_path, c]));
  const rows: UsageRow[] = listTemplateFiles(templatesDir).map((t) => {
    const c = byPath.get(t.codePath);
    byPath.delete(t.codePath);
    return { code_path: t.codePath, kind: 'template', bots: Number(c?.bots ?? 0), subscriptions: Number(c?.subscriptions ?? 0), bytes: t.bytes };
  });
  // Bots whose template file has since been removed still count, with no bytes on disk.
  for (const c of byPath.values()) {
    rows.push({ code_path: c.code_path, kind: 'template', bots: Number(c.bots), subscriptions: Number(c.subscriptions), bytes: 0 });
  }
  return rows;
}

// Custom bots: one row per uploaded version, sized by what it holds in the object store (source + bundle).
// A subscription counts against its pinned version, or else the latest.
async function customRows(db: Kysely<Database>): Promise<UsageRow[]> {
  const versions = await db
    .selectFrom('bot_versions as v')
    .innerJoin('bots as b', 'b.id', 'v.bot_id')
    .select(['v.bot_id', 'v.version', 'v.code_path', 'v.size', 'v.bundle_size'])
    .where('b.kind', '=', 'custom')
    .orderBy('v.bot_id')
    .orderBy('v.version')
    .execute();
  if (versions.length === 0) return [];
  const latest = new Map<number, number>();
  for (const v of versions) latest.set(v.bot_id, Math.max(latest.get(v.bot_id) ?? 0, v.version));
  const subscriptions = await db
    .selectFrom('subscriptions as s')
    .innerJoin('bots as b', 'b.id', 's.bot_id')
    .select(['s.bot_id', 's.pinned_version'])
    .where('b.kind', '=', 'custom')
    .execute();
  return versions.map((v) => ({
    code_path: v.code_path,
    kind: 'custom' as const,
    // A version belongs to its one bot; counted once, on the latest version, so totals.bots is the bot count.
    bots: latest.get(v.bot_id) === v.version ? 1 : 0,
    subscriptions: subscriptions.filter((s) => s.bot_id === v.bot_id && (s.pinned_version ?? latest.get(v.bot_id)) === v.version).length,
    bytes: v.size,
    bundle_bytes: v.bundle_size,
    bot_id: v.bot_id,
    version: v.version,
  }));
}
