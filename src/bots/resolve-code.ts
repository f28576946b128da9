// Which source file a bot runs: the one resolver behind `subscribe` (config validation), `show`, `templates`,
// `botctl run` and botd. Resolved afresh each time it is asked: this is what makes an edited template file
// reach every bot using it on its next run, without restarting botd. Templates come from templateDir(), so
// BOTCTL_BOT_FILES is honoured everywhere.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Bot, Database } from '../db/schema.js';
import { BotctlError } from '../errors.js';
import { homePaths } from '../home.js';
import { bundleBot, type BundledBot } from './bundle.js';
import { templateDir } from './templates.js';

export interface ResolvedCode {
  /** The bot's source file on this host, ready for bundleBot(). */
  sourcePath: string;
  /** For messages and logs, e.g. `bot_files/simple_sma_bot.ts` or `my_bot v3 (bots/dev/7/v3/my_bot.ts)`. */
  displayName: string;
  /** The bot's file as its author knows it, for stack frames: `bot_files/simple_sma_bot.ts`, `bots/dev/7/v3/my_bot.ts`. */
  codePath: string;
}

export interface ResolvedBundle {
  bundle: BundledBot;
  displayName: string;
}

export interface ResolveOptions {
  /**
   * Custom bots' code is fetched from the object store when it is not cached. The runner (botd) uses the
   * process's shared store, whose S3 client keeps its connections; otherwise one is opened for this call and
   * closed after it, so a CLI command keeps no sockets open.
   */
  sharedStore?: boolean;
}

/** The source of `bot`: its template file, or its custom code at `pinned` (null: the newest version). */
export async function resolveCode(
  db: Kysely<Database>,
  home: string,
  bot: Bot,
  pinned: number | null,
  options: ResolveOptions = {},
): Promise<ResolvedCode> {
  if (bot.kind === 'template') return resolveTemplate(bot);
  // Custom: the pinned version, or else the newest, from the verified local cache or fetched from the object
  // store once. Loaded lazily, so template-only hosts never load the store (or the AWS SDK).
  const [{ resolveCustomSource }, { openObjectStore }, { sharedObjectStore }] = await Promise.all([
    import('./fetch-version.js'),
    import('../store/open-store.js'),
    import('../store/shared-stores.js'),
  ]);
  const store = options.sharedStore ? await sharedObjectStore(home) : openObjectStore(home);
  try {
    return await resolveCustomSource(db, home, store, bot, pinned);
  } finally {
    if (!options.sharedStore) store.close();
  }
}

/** resolveCode, then the executable bundle (cached by the source's sha256). */
export async function resolveBundle(
  db: Kysely<Database>,
  home: string,
  bot: Bot,
  pinned: number | null,
  options: ResolveOptions = {},
): Promise<ResolvedBundle> {
  const code = await resolveCode(db, home, bot, pinned, options);
  return { bundle: await bundleBot(code.sourcePath, homePaths(home).bundleCache), displayName: code.displayName };
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
  return { sourcePath, displayName: bot.code_path, codePath: bot.code_path };
}
