import type { Kysely } from 'kysely';
import type { Bot, Database } from '../db/schema.js';
import { writeTransaction } from '../db/write-transaction.js';
import { conflict } from '../errors.js';
import { findBot } from './find-bot.js';

export interface DeletedBot {
  bot: Bot;
  /** Subscriptions removed with it (only with force). */
  subscriptions: number;
}

// Refuses while subscriptions exist unless forced; forced, the foreign-key cascade removes the bot's
// subscriptions, runs, state and versions rows in the same transaction. Template files are shared and
// stay; a custom bot's objects in the store are the upload side's to collect.
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
    await trx.deleteFrom('bots').where('id', '=', bot.id).execute();
    return { bot, subscriptions };
  });
}
