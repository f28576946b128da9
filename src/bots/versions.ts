import type { Kysely } from 'kysely';
import type { Bot, BotVersion, Database, Subscription } from '../db/schema.js';
import { writeTransaction } from '../db/write-transaction.js';
import { invalid, notFound, shown } from '../errors.js';
import { findBot } from './find-bot.js';
import { findSubscription } from '../subscriptions/find-subscription.js';

/** Object keys of one custom bot version: `bots/<developer>/<bot-id>/v<n>/…`, the same in S3 and the local folder. */
export function versionKeys(developer: string, botId: number, version: number, fileName: string): { source: string; bundle: string } {
  const folder = `bots/${developer}/${botId}/v${version}`;
  return { source: `${folder}/${fileName}`, bundle: `${folder}/bundle.mjs` };
}

export async function listVersions(db: Kysely<Database>, botId: number): Promise<BotVersion[]> {
  return db.selectFrom('bot_versions').selectAll().where('bot_id', '=', botId).orderBy('version').execute();
}

/** The version a run uses: the pinned one, or else the newest. */
export async function chooseVersion(db: Kysely<Database>, bot: Bot, pinned: number | null): Promise<BotVersion> {
  let query = db.selectFrom('bot_versions').selectAll().where('bot_id', '=', bot.id);
  query = pinned === null ? query.orderBy('version', 'desc').limit(1) : query.where('version', '=', pinned);
  const version = await query.executeTakeFirst();
  if (!version) {
    throw notFound(
      pinned === null
        ? `Custom bot ${bot.name} (id ${bot.id}) has no uploaded version.`
        : `Custom bot ${bot.name} (id ${bot.id}) has no version ${pinned}.`,
      pinned === null ? `botctl upload FILE --bot ${bot.id}` : `botctl versions ${bot.id}`,
    );
  }
  return version;
}

export interface VersionRow {
  version: number;
  sha256: string;
  size: number;
  bundle_size: number;
  code_path: string;
  created_at: string;
  latest: boolean;
  /** Subscriptions that run this version: pinned to it, or unpinned while it is the newest. */
  subscriptions: number;
}

// `botctl versions BOT`: every uploaded version, oldest first, with who runs it.
export async function describeVersions(db: Kysely<Database>, botRef: string): Promise<{ bot: Bot; versions: VersionRow[] }> {
  const bot = await findBot(db, botRef);
  requireCustom(bot, 'has no versions');
  const versions = await listVersions(db, bot.id);
  const subscriptions = await db.selectFrom('subscriptions').select('pinned_version').where('bot_id', '=', bot.id).execute();
  const newest = versions.at(-1)?.version;
  return {
    bot,
    versions: versions.map((v) => ({
      version: v.version,
      sha256: v.sha256,
      size: v.size,
      bundle_size: v.bundle_size,
      code_path: v.code_path,
      created_at: v.created_at,
      latest: v.version === newest,
      subscriptions: subscriptions.filter((s) => (s.pinned_version ?? newest) === v.version).length,
    })),
  };
}

// `botctl pin SUB N` rolls a subscription back (or forward) to a version; `pin SUB latest` lets it follow uploads.
export async function pinSubscription(
  db: Kysely<Database>,
  subscriptionRef: string,
  versionArg: string,
): Promise<{ subscription: Subscription; bot: Bot; pinned: number | null; runs: number }> {
  const requested = parseVersionArgument(versionArg);
  return writeTransaction(db, async (trx) => {
    const current = await findSubscription(trx, subscriptionRef);
    const bot = await trx.selectFrom('bots').selectAll().where('id', '=', current.bot_id).executeTakeFirstOrThrow();
    requireCustom(bot, 'cannot be pinned');
    const version = await chooseVersion(trx, bot, requested === 'latest' ? null : requested);
    const pinned = requested === 'latest' ? null : version.version;
    const subscription = await trx
      .updateTable('subscriptions')
      .set({ pinned_version: pinned, updated_at: new Date().toISOString() })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { subscription, bot, pinned, runs: version.version };
  });
}

export function parseVersionArgument(value: string): number | 'latest' {
  if (value === 'latest') return 'latest';
  const match = /^v?(\d{1,9})$/.exec(value.trim());
  if (!match || Number(match[1]) < 1) {
    throw invalid(`Expected a version to be a positive whole number (as \`botctl versions BOT\` lists) or \`latest\`, got ${shown(value)}.`);
  }
  return Number(match[1]);
}

function requireCustom(bot: Bot, what: string): void {
  if (bot.kind !== 'custom') {
    throw invalid(
      `Bot ${bot.name} (id ${bot.id}) is a template bot and ${what}: it runs ${bot.code_path} as that file is now.`,
      'botctl upload FILE --name NAME  (custom bots are versioned)',
    );
  }
}
