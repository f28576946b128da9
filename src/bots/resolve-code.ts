// Which source file a subscription runs, resolved afresh for every execution: this is what makes an edited
// template file reach every bot using it on its next run, without restarting botd.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Bot, Database, Subscription } from '../db/schema.js';
import { BotctlError } from '../errors.js';
import { templateDir } from './templates.js';

export interface ResolvedCode {
  /** The bot's source file on this host, ready for bundleBot(). */
  sourcePath: string;
  /** For messages and logs, e.g. `bot_files/simple_sma_bot.ts`. */
  displayName: string;
}

export async function resolveCode(
  db: Kysely<Database>,
  home: string,
  subscription: Subscription,
  bot: Bot,
): Promise<ResolvedCode> {
  if (bot.kind === 'template') return resolveTemplate(bot);
  // Custom: the pinned version, or else the newest, from the verified local cache or fetched from the object
  // store once. Loaded lazily, so template-only hosts never load the store (or the AWS SDK).
  const [{ resolveCustomSource }, { sharedObjectStore }] = await Promise.all([
    import('./fetch-version.js'),
    import('../store/open-store.js'),
  ]);
  return resolveCustomSource(db, home, sharedObjectStore(home), bot, subscription.pinned_version);
}

function resolveTemplate(bot: Bot): ResolvedCode {
  // code_path is `bot_files/<name>.ts`; anything else must never turn into a path outside the template folder.
  const match = /^bot_files\/([A-Za-z0-9_-]+\.ts)$/.exec(bot.code_path);
  if (!match?.[1]) {
    throw new BotctlError('runtime_failure', `Bot ${bot.name} has code_path ${JSON.stringify(bot.code_path)}, which is not a template file.`);
  }
  const sourcePath = join(templateDir(), match[1]);
  if (!existsSync(sourcePath)) {
    throw new BotctlError('runtime_failure', `Bot ${bot.name} uses template file ${bot.code_path}, which no longer exists in ${templateDir()}.`, {
      hint: 'botctl templates',
    });
  }
  return { sourcePath, displayName: bot.code_path };
}
