import { readFileSync, statSync, unlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Bot, BotVersion, Database } from '../db/schema.js';
import { engineOf } from '../db/dialect-sql.js';
import { writeTransaction } from '../db/write-transaction.js';
import { BotctlError, conflict, errorText, invalid, notFound, shown } from '../errors.js';
import { writeFileAtomically } from '../atomic-write.js';
import { homePaths } from '../home.js';
import type { ObjectHead, ObjectStore } from '../store/object-store.js';
import { buildBotOnly, bundleBot } from './bundle.js';
import { checkSourceImports } from './source-imports.js';
import { validateExchangeId } from './create-template-bot.js';
import { describeBot } from './describe-bot.js';
import { sha256 } from './digest.js';
import { adoptWindowMs, ageMs } from './orphans.js';
import { findBot } from './find-bot.js';
import { validateDescription, validateName } from './names.js';
import { sourceCachePath } from './source-cache.js';
import { versionKeys } from './versions.js';

/** The largest bot source accepted: 1 MiB. */
export const maxSourceBytes = 1024 * 1024;

export interface UploadInput {
  file: string;
  /** A new custom bot with this name (default: the file's name without `.ts`). */
  name?: string | undefined;
  /** A new version of this existing custom bot (id, name or developer/name). */
  bot?: string | undefined;
  developer?: string | undefined;
  exchange?: string | undefined;
  description?: string | undefined;
}

export interface UploadResult {
  bot: Bot;
  version: BotVersion;
  /** True when identical content was already a version of this bot: nothing was stored or written. */
  reused: boolean;
}

// How often a taken slot (a concurrent upload, or objects orphaned by an earlier failure) moves us to the next id
// or version number before giving up.
const maxSlotAttempts = 20;

// Validates a bot file, stores its source and bundle in the object store as a new version, then records the
// bot and version rows in one transaction. Objects first, rows last: a failure at any step leaves no row that
// names a missing object; at worst objects without a row, which `botctl doctor` lists.
export async function uploadBot(db: Kysely<Database>, home: string, store: ObjectStore, input: UploadInput): Promise<UploadResult> {
  if (input.name !== undefined && input.bot !== undefined) {
    throw invalid('Expected either `--name` (a new bot) or `--bot` (a new version of an existing bot), got both.');
  }
  const displayName = input.file;
  const source = readSource(input.file);
  const digest = sha256(source);
  const fileName = keyFileName(input.file);

  // The target bot, and the cheap ways out, before any bundling.
  let bot: Bot | undefined;
  let developer: string;
  let name: string;
  if (input.bot !== undefined) {
    bot = await findBot(db, input.bot);
    if (bot.kind !== 'custom') {
      throw invalid(`Bot ${bot.name} (id ${bot.id}) is a template bot; \`--bot\` adds versions to custom bots only.`, 'botctl upload FILE --name NAME');
    }
    if (input.developer !== undefined && validateName('--developer', input.developer) !== bot.developer_id) {
      throw invalid(`Bot ${bot.name} (id ${bot.id}) belongs to developer ${shown(bot.developer_id)}, not ${shown(input.developer)}.`);
    }
    developer = bot.developer_id;
    name = bot.name;
  } else {
    developer = validateName('--developer', input.developer ?? 'default');
    name = input.name !== undefined ? validateName('--name', input.name) : defaultName(input.file);
    bot = await db.selectFrom('bots').selectAll().where('developer_id', '=', developer).where('name', '=', name).executeTakeFirst();
  }
  const exchange = validateExchangeId(input.exchange ?? bot?.exchange_type ?? 'binanceusdm');
  if (bot) {
    const same = await db.selectFrom('bot_versions').selectAll().where('bot_id', '=', bot.id).where('sha256', '=', digest).executeTakeFirst();
    if (same) return { bot, version: same, reused: true };
    if (input.bot === undefined) {
      throw conflict(
        `A bot named ${shown(name)} already exists for developer ${shown(developer)}${bot.kind === 'custom' ? ' with different code' : ''}.`,
        bot.kind === 'custom' ? `botctl upload ${input.file} --bot ${bot.id}  (adds a new version)` : 'botctl upload FILE --name OTHER_NAME',
      );
    }
  }
  const description = input.description === undefined ? undefined : validateDescription(input.description);

  // Every check runs on these exact bytes, copied into the source cache (where botd would fetch them to anyway).
  const cached = cacheSource(home, source, digest);
  let bundle: Uint8Array;
  let declaredDescription: string;
  try {
    // Parse errors (file:line:column) and imports outside the allow-list are refused here: imports first, as
    // written (esbuild drops unused ones before its allow-list could see them).
    bundle = await buildBotOnly(cached.path, displayName);
    await checkSourceImports(Buffer.from(source).toString('utf8'), displayName);
    // Then the default export, checked by loading the bot inside the sandbox a run gets.
    const executable = await bundleBot(cached.path, homePaths(home).bundleCache).catch((error: unknown) => {
      throw explainBundleFailure(error, displayName);
    });
    declaredDescription = (await describeBot(executable.path, displayName)).description;
  } catch (error) {
    cached.discard();
    throw error;
  }
  const bundleDigest = sha256(bundle);
  const upload: Upload = { store, developer, fileName, source, digest, bundle, bundleDigest };

  if (bot) return { bot, version: await addVersion(db, upload, bot), reused: false };
  return createCustomBot(db, upload, { name, exchange, description: description ?? (declaredDescription || null) });
}

interface Upload {
  store: ObjectStore;
  developer: string;
  fileName: string;
  source: Uint8Array;
  digest: string;
  bundle: Uint8Array;
  bundleDigest: string;
}

async function createCustomBot(
  db: Kysely<Database>,
  upload: Upload,
  fields: { name: string; exchange: string; description: string | null },
): Promise<UploadResult> {
  // The key needs the bot's id before its row exists. Rather than hold SQLite's write lock across network
  // I/O, take the id the next insert would get, store the objects under it, and insert the row with that id
  // explicitly; if someone took it meanwhile, move on to the next one.
  let id = await nextBotId(db);
  for (let attempt = 0; attempt < maxSlotAttempts; attempt++, id++) {
    const slot = await claimSlot(upload, id, 1);
    if (!slot) continue;
    const outcome = await recordRows(db, async (trx) => {
      await lockBotIds(trx);
      // Taken when a bot has this id now, or had it and was deleted (its objects may be being removed): an id
      // is never given twice.
      if ((await nextBotId(trx)) > id) return 'taken';
      const clash = await trx
        .selectFrom('bots')
        .select('id')
        .where('developer_id', '=', upload.developer)
        .where('name', '=', fields.name)
        .executeTakeFirst();
      if (clash) {
        throw conflict(
          `A bot named ${shown(fields.name)} was created for developer ${shown(upload.developer)} while this upload ran.`,
          `botctl upload FILE --bot ${clash.id}`,
        );
      }
      const bot = await trx
        .insertInto('bots')
        .values({
          id,
          name: fields.name,
          developer_id: upload.developer,
          kind: 'custom',
          template: null,
          code_path: slot.source,
          exchange_type: fields.exchange,
          description: fields.description,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const version = await trx.insertInto('bot_versions').values(versionRow(upload, id, 1, slot)).returningAll().executeTakeFirstOrThrow();
      // Last: PostgreSQL's sequences ignore rollbacks, so the id moves on only once everything else is written.
      await passBotId(trx, id);
      return { bot, version, reused: false };
    });
    if (outcome !== 'taken') return outcome;
    id = Math.max(id, (await nextBotId(db)) - 1);
  }
  throw new BotctlError('runtime_failure', `Could not find a free bot id after ${maxSlotAttempts} attempts; run \`botctl doctor\` to look for orphaned objects.`);
}

async function addVersion(db: Kysely<Database>, upload: Upload, bot: Bot): Promise<BotVersion> {
  let version = (await latestVersionNumber(db, bot.id)) + 1;
  for (let attempt = 0; attempt < maxSlotAttempts; attempt++, version++) {
    const slot = await claimSlot(upload, bot.id, version);
    if (!slot) continue;
    const outcome = await recordRows(db, async (trx) => {
      // A concurrent upload of the same content may have got there first: that version is ours too.
      const same = await trx
        .selectFrom('bot_versions')
        .selectAll()
        .where('bot_id', '=', bot.id)
        .where('sha256', '=', upload.digest)
        .executeTakeFirst();
      if (same) return same;
      if (!(await trx.selectFrom('bots').select('id').where('id', '=', bot.id).executeTakeFirst())) {
        throw notFound(`Bot ${bot.name} (id ${bot.id}) was deleted while this upload ran; its objects go with it.`, 'botctl upload FILE --name NAME');
      }
      const taken = await trx.selectFrom('bot_versions').select('id').where('bot_id', '=', bot.id).where('version', '=', version).executeTakeFirst();
      if (taken) return 'taken';
      await trx.updateTable('bots').set({ code_path: slot.source }).where('id', '=', bot.id).execute();
      return trx.insertInto('bot_versions').values(versionRow(upload, bot.id, version, slot)).returningAll().executeTakeFirstOrThrow();
    });
    if (outcome !== 'taken') return outcome;
    version = Math.max(version, await latestVersionNumber(db, bot.id));
  }
  throw new BotctlError('runtime_failure', `Could not find a free version number for bot ${bot.name} after ${maxSlotAttempts} attempts.`);
}

interface Slot {
  source: string;
  bundle: string;
  bundleDigest: string;
  bundleSize: number;
}

// Stores bundle and source under v<n> with create-only PUTs. The bundle (`v<n>/bundle.mjs`, the same key
// whatever the file is called) is the slot's gate: the slot is ours if the bundle there was built from our
// source — freshly created, or left by an earlier attempt with the same bytes whose rows were never written.
// Anything else there belongs to someone else, and we never overwrite it.
async function claimSlot(upload: Upload, botId: number, version: number): Promise<Slot | undefined> {
  const { store } = upload;
  const keys = versionKeys(upload.developer, botId, version, upload.fileName);
  // Look before writing, so that a slot plainly taken gets no stray object of ours.
  const [bundleHead, sourceHead] = await Promise.all([store.head(keys.bundle), store.head(keys.source)]);
  if (bundleHead && !adoptable(bundleHead, 'source-sha256', upload.digest)) return undefined;
  if (sourceHead && !adoptable(sourceHead, 'sha256', upload.digest)) return undefined;
  let bundleDigest = upload.bundleDigest;
  let bundleSize = upload.bundle.byteLength;
  const bundleMetadata = { sha256: upload.bundleDigest, 'source-sha256': upload.digest };
  if ((await store.put(keys.bundle, upload.bundle, bundleMetadata)) === 'exists') {
    // Built from the same source, a bundle may still differ in bytes (esbuild names the build path in a
    // comment): keep the stored one and record its digest.
    const stored = await store.head(keys.bundle);
    if (!stored || !adoptable(stored, 'source-sha256', upload.digest) || stored.metadata.sha256 === undefined) return undefined;
    bundleDigest = stored.metadata.sha256;
    bundleSize = stored.size;
  }
  if ((await store.put(keys.source, upload.source, { sha256: upload.digest })) === 'exists') {
    const stored = await store.head(keys.source);
    if (!stored || !adoptable(stored, 'sha256', upload.digest)) return undefined;
  }
  return { ...keys, bundleDigest, bundleSize };
}

// An object found in our slot is ours to adopt when it holds our source and is young: `doctor --fix` may be
// removing an old orphan at this very moment (adoptWindowMs in orphans.ts says why that is then safe).
function adoptable(head: ObjectHead, digestField: string, digest: string): boolean {
  return head.metadata[digestField] === digest && ageMs(head.modified) < adoptWindowMs;
}

function versionRow(upload: Upload, botId: number, version: number, slot: Slot) {
  return {
    bot_id: botId,
    version,
    code_path: slot.source,
    bundle_path: slot.bundle,
    sha256: upload.digest,
    bundle_sha256: slot.bundleDigest,
    size: upload.source.byteLength,
    bundle_size: slot.bundleSize,
    file_name: upload.fileName,
  };
}

// The rows go in last, in one transaction: a database failure here leaves the objects as orphans (`botctl
// doctor` lists them) and no row. We do not delete the objects: a concurrent upload of the same bytes may
// already have claimed them for its own row.
async function recordRows<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  try {
    return await writeTransaction(db, work);
  } catch (error) {
    if (error instanceof BotctlError) throw error;
    throw new BotctlError(
      'runtime_failure',
      `The bot's objects were stored, but recording them in the database failed: ${errorText(error)}. No bot or version was recorded.`,
      { hint: 'botctl doctor  (lists the objects this upload left without a row; --fix removes them once an hour old)', cause: error },
    );
  }
}

async function nextBotId(db: Kysely<Database>): Promise<number> {
  // AUTOINCREMENT (SQLite) and the identity sequence (PostgreSQL) never reuse an id, so neither do we: the
  // sequence may be ahead of max(id) after deletions.
  const { rows } = engineOf(db) === 'postgres'
    ? await sql<{ next: number }>`
      SELECT greatest(coalesce(pg_sequence_last_value(pg_get_serial_sequence('bots', 'id')::regclass), 0), coalesce((SELECT max(id) FROM bots), 0)) + 1 AS next
    `.execute(db)
    : await sql<{ next: number }>`
      SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'bots'), 0), coalesce((SELECT max(id) FROM bots), 0)) + 1 AS next
    `.execute(db);
  return Number(rows[0]?.next ?? 1);
}

// SQLite's BEGIN IMMEDIATE (write-transaction.ts) already holds the only write lock. On PostgreSQL, a lock that
// lets readers in but no other writer of bots until commit: concurrent uploads take ids one after another, and a
// template's insert waits, then draws its id from the sequence moved past ours (passBotId).
async function lockBotIds(trx: Kysely<Database>): Promise<void> {
  if (engineOf(trx) === 'postgres') await sql`LOCK TABLE bots IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
}

// An id inserted explicitly does not move PostgreSQL's identity sequence (SQLite's AUTOINCREMENT follows by itself):
// move it, so that the next default id is past this one.
async function passBotId(trx: Kysely<Database>, id: number): Promise<void> {
  if (engineOf(trx) !== 'postgres') return;
  await sql`SELECT setval(pg_get_serial_sequence('bots', 'id'), greatest(${id}::bigint, coalesce(pg_sequence_last_value(pg_get_serial_sequence('bots', 'id')::regclass), 0)))`.execute(trx);
}

async function latestVersionNumber(db: Kysely<Database>, botId: number): Promise<number> {
  const row = await db
    .selectFrom('bot_versions')
    .select((eb) => eb.fn.max<number | null>('version').as('latest'))
    .where('bot_id', '=', botId)
    .executeTakeFirst();
  return Number(row?.latest ?? 0);
}

// Extension, size (from stat, before reading a byte), type: the cheap refusals.
function readSource(file: string): Buffer {
  if (!file.endsWith('.ts') || file.endsWith('.d.ts')) {
    throw invalid(`Expected a TypeScript file ending in .ts, got ${shown(file)}.`);
  }
  let info;
  try {
    info = statSync(file);
  } catch {
    throw invalid(`Cannot read ${shown(file)}: no such file.`);
  }
  if (!info.isFile()) throw invalid(`Expected ${shown(file)} to be a regular file.`);
  if (info.size > maxSourceBytes) throw tooBig(file, info.size);
  const source = readFileSync(file);
  // The file may have grown since the stat.
  if (source.byteLength > maxSourceBytes) throw tooBig(file, source.byteLength);
  return source;
}

function tooBig(file: string, size: number): BotctlError {
  return invalid(`${file} is ${size} bytes; a bot file may be at most 1 MiB (${maxSourceBytes} bytes).`);
}

// The file's name as it appears in the object key: its base name, restricted to the key alphabet.
function keyFileName(file: string): string {
  const stem = basename(file).slice(0, -'.ts'.length).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/\.{2,}/g, '_').slice(0, 60);
  return `${/^[A-Za-z0-9_]/.test(stem) ? stem : `_${stem}`}.ts`;
}

function defaultName(file: string): string {
  const stem = basename(file).slice(0, -'.ts'.length);
  try {
    return validateName('--name', stem);
  } catch {
    throw invalid(`The file name ${shown(stem)} is not a valid bot name; pass \`--name NAME\` (letters, digits, '_', '.', '-').`);
  }
}

// The executable bundle imports the bot's default export; the bot-only build before it has checked the rest.
function explainBundleFailure(error: unknown, displayName: string): unknown {
  if (error instanceof BotctlError && /No matching export .* for import "default"/.test(error.message)) {
    return invalid(`${displayName} has no default export: a bot file must \`export default defineBot({...})\` from 'botctl/sdk'.`);
  }
  return error;
}


// Writes the source into botd's content-addressed cache. Returns a discard() that removes it again only if
// this call created it and the bot is then rejected.
function cacheSource(home: string, source: Uint8Array, digest: string): { path: string; discard(): void } {
  const path = sourceCachePath(home, digest);
  let created = false;
  try {
    if (sha256(readFileSync(path)) === digest) return { path, discard: () => undefined };
  } catch {
    // not cached yet
  }
  writeFileAtomically(path, source);
  created = true;
  return {
    path,
    discard: () => {
      if (!created) return;
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
