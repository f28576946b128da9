import type { Kysely } from 'kysely';
import type { Bot, Database } from '../db/schema.js';
import { writeTransaction } from '../db/write-transaction.js';
import { conflict } from '../errors.js';
import type { ObjectStore } from '../store/object-store.js';
import { findBot } from './find-bot.js';
import { removeUnreferenced } from './orphans.js';

export interface DeletedBot {
  bot: Bot;
  /** Subscriptions removed with it (only with force). */
  subscriptions: number;
  /** The object keys its version rows named (custom bots). */
  objectKeys: string[];
}

// Refuses while subscriptions exist unless forced; forced, the foreign-key cascade removes the bot's
// subscriptions, runs, state and versions rows in the same transaction. Template files are shared and
// stay; a custom bot's objects in the store go afterwards, with removeBotObjects().
export async function deleteBot(db: Kysely<Database>, ref: string, options: { force?: boolean } = {}): Promise<DeletedBot> {
  return writeTransaction(db, async (trx) => {
    const bot = await findBot(trx, ref);
    const { count } = await trx
      .selectFrom('subscriptions')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('bot_id', '=', bot.id)
      .executeTakeFirstOrThrow();
    const subscriptions = Number(count);
    if (subscriptions > 0 && !options.force) {
      throw conflict(
        `Bot ${bot.name} (id ${bot.id}) has ${subscriptions} subscription(s); deleting it would remove them too.`,
        `botctl subscriptions --bot ${bot.id}, then botctl unsubscribe SUB; or botctl delete ${bot.id} --force`,
      );
    }
    const versions = await trx.selectFrom('bot_versions').select(['code_path', 'bundle_path']).where('bot_id', '=', bot.id).execute();
    const objectKeys = versions.flatMap((v) => [v.code_path, v.bundle_path]);
    await trx.deleteFrom('bots').where('id', '=', bot.id).execute();
    return { bot, subscriptions, objectKeys };
  });
}

/** The folder of a custom bot's objects: every version of it, and whatever a failed upload to it left. */
export function botObjectPrefix(bot: Pick<Bot, 'developer_id' | 'id'>): string {
  return `bots/${bot.developer_id}/${bot.id}/`;
}

// After the rows are gone (a crash in between leaves orphans for `botctl doctor --fix`): the objects its
// versions named and everything else under its folder, except what a row still names. Keys hold the bot's id
// and ids are never given twice (upload.ts), so no other bot names them today; the check guards against a
// future layout that shares objects. No grace period here, unlike doctor --fix: an upload still writing
// under this folder targets the deleted bot, and its commit fails (the bot row is gone).
export async function removeBotObjects(db: Kysely<Database>, store: ObjectStore, deleted: DeletedBot): Promise<string[]> {
  const keys = new Set(deleted.objectKeys);
  for await (const object of store.list(botObjectPrefix(deleted.bot))) keys.add(object.key);
  return removeUnreferenced(db, store, [...keys].sort());
}
