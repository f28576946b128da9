import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../bots/create-template-bot.js';
import { findBot } from '../bots/find-bot.js';
import { validateName } from '../bots/names.js';
import { defaultSubscriptionName } from './subscription-name.js';
import type { Bot, Database, Mode, Subscription } from '../db/schema.js';
import { BotctlError, conflict, invalid, shown } from '../errors.js';
import { findKey } from '../secrets/keys.js';
import { assertLeverageWithinRisk, validateRiskConfig } from './risk-config.js';
import { droppedKeys } from './unknown-keys.js';
import { validatePair } from './validate-pair.js';
import { validateSchedule } from './validate-schedule.js';

export interface CreateSubscriptionInput {
  /** Bot id, name or developer/name. */
  bot: string;
  pair: string;
  schedule: string;
  /** Parsed --config JSON (undefined: the bot's defaults). */
  config?: unknown;
  /** Parsed --risk JSON (undefined: the default limits). */
  risk?: unknown;
  mode?: string | undefined;
  key?: string | undefined;
  user?: string | undefined;
  timezone?: string | undefined;
  name?: string | undefined;
  /** Custom bots: pin to this version (`--version N`); absent or `latest`: follow the newest upload. */
  version?: string | number | undefined;
}

export interface CreatedSubscription {
  subscription: Subscription;
  bot: Bot;
  nextRuns: Date[];
}

const modes: readonly Mode[] = ['paper', 'testnet', 'live'];

// Validates everything cheap first (bot, pair, schedule, mode, key, risk), then the config inside the
// bot's sandbox, and writes one row only when all of it passed.
export async function createSubscription(
  db: Kysely<Database>,
  home: string,
  input: CreateSubscriptionInput,
): Promise<CreatedSubscription> {
  const bot = await findBot(db, input.bot);
  const trading_pair = validatePair(input.pair);
  const { schedule, timezone, nextRuns } = validateSchedule(input.schedule, input.timezone ?? 'UTC');
  const mode = validateMode(input.mode ?? 'paper');
  const user = validateName('--user', input.user ?? 'default');
  const name = input.name === undefined ? undefined : validateName('--name', input.name);
  const key_name = await validateKeyFor(db, bot, mode, input.key);
  const risk = validateRiskConfig(input.risk);
  const pinned_version = await validatePinnedVersion(db, bot, input.version);
  const config = await validateConfig(db, home, bot, pinned_version, input.config ?? {});
  assertLeverageWithinRisk(config, risk);

  const values = {
    bot_id: bot.id,
    user_principal_id: user,
    trading_pair,
    schedule,
    timezone,
    execution_config: JSON.stringify(config),
    risk_config: JSON.stringify(risk),
    mode,
    key_name,
    enabled: 1,
    pinned_version,
    updated_at: new Date().toISOString(),
  };
  if (name !== undefined) {
    try {
      const subscription = await db.insertInto('subscriptions').values({ ...values, name }).returningAll().executeTakeFirstOrThrow();
      return { subscription, bot, nextRuns };
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A subscription named ${shown(name)} already exists.`, 'botctl subscriptions');
      throw error;
    }
  }
  // Unnamed: <bot>.<BASE>-<QUOTE>[-<SETTLE>], with -2, -3, … when taken. The unique index settles races.
  const base = defaultSubscriptionName(bot.name, trading_pair);
  for (let n = 1; n < 1000; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    try {
      const subscription = await db
        .insertInto('subscriptions')
        .values({ ...values, name: candidate })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { subscription, bot, nextRuns };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw conflict(`Could not find a free name for a subscription of ${bot.name} on ${trading_pair}.`, 'botctl subscribe … --name NAME');
}

// `--version N` pins a custom bot's subscription to an uploaded version; `latest` (or nothing) follows uploads.
async function validatePinnedVersion(db: Kysely<Database>, bot: Bot, version: string | number | undefined): Promise<number | null> {
  if (version === undefined) return null;
  const { chooseVersion, parseVersionArgument } = await import('../bots/versions.js');
  const requested = parseVersionArgument(String(version));
  if (bot.kind !== 'custom') {
    throw invalid(`\`--version\` pins custom bots only; ${bot.name} is a template bot and runs ${bot.code_path} as it is now.`);
  }
  if (requested === 'latest') return null;
  return (await chooseVersion(db, bot, requested)).version;
}

function validateMode(value: string): Mode {
  if (!(modes as string[]).includes(value)) {
    throw invalid(`Expected \`--mode\` to be one of paper, testnet, live, got ${shown(value)}.`);
  }
  return value as Mode;
}

// testnet and live trade on an exchange account, so they need a stored key for the bot's exchange.
async function validateKeyFor(db: Kysely<Database>, bot: Bot, mode: Mode, keyName: string | undefined): Promise<string | null> {
  if (keyName === undefined) {
    if (mode === 'paper') return null;
    const keys = await db.selectFrom('api_keys').select('name').where('exchange', '=', bot.exchange_type).orderBy('name').execute();
    throw invalid(
      `A ${mode} subscription needs \`--key NAME\`: an API key for ${bot.exchange_type}${
        keys.length ? ` (stored: ${keys.map((k) => k.name).join(', ')})` : ', and none is stored yet'
      }.`,
      keys.length ? `botctl subscribe ${bot.name} … --mode ${mode} --key ${keys[0]?.name}` : `botctl keys add NAME --exchange ${bot.exchange_type}`,
    );
  }
  const key = await findKey(db, keyName);
  if (key.exchange !== bot.exchange_type) {
    throw invalid(
      `API key ${shown(key.name)} is for ${key.exchange}, but bot ${bot.name} trades on ${bot.exchange_type}.`,
      `botctl keys add NAME --exchange ${bot.exchange_type}`,
    );
  }
  return key.name;
}

// Against the code the subscription will run: the pinned version (or the newest), or the template file as
// resolveCode finds it (BOTCTL_BOT_FILES included).
async function validateConfig(db: Kysely<Database>, home: string, bot: Bot, pinned: number | null, config: unknown): Promise<unknown> {
  const [{ describeBot }, { resolveBundle }] = await Promise.all([import('../bots/describe-bot.js'), import('../bots/resolve-code.js')]);
  const bundle = await resolveBundle(db, home, bot, pinned);
  const description = await describeBot(bundle.bundle.path, bundle.displayName, config, { custom: bot.kind === 'custom' });
  const validation = description.validation;
  if (!validation) throw new BotctlError('runtime_failure', `${bundle.displayName} did not validate the config.`);
  if (!validation.ok) {
    throw invalid(
      `\`--config\` does not match the config schema of bot ${bot.name} (${bundle.displayName}):\n${validation.issues.join('\n')}`,
      `botctl show ${bot.id}  (lists the config fields and their defaults)`,
    );
  }
  const dropped = droppedKeys(config, validation.config);
  if (dropped.length) {
    throw invalid(
      `\`--config\` has fields the config schema of bot ${bot.name} (${bundle.displayName}) does not know:\n${dropped.map((d) => `  ${d.path}: expected no such field, got ${shown(d.value)}`).join('\n')}`,
      `botctl show ${bot.id}  (lists the config fields and their defaults)`,
    );
  }
  // Stored with the schema's defaults applied, so a run sees exactly what `show` and `subscriptions` report.
  return validation.config;
}
