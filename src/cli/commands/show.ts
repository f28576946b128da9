import { findBot } from '../../bots/find-bot.js';
import type { Bot } from '../../db/schema.js';
import { listSubscriptions, type SubscriptionListing } from '../../subscriptions/list-subscriptions.js';
import type { Arguments } from '../commands.js';
import type { CommandContext } from '../context.js';
import { block, keyValues, table } from '../output.js';
import { errorText } from '../../errors.js';

export interface ConfigField {
  name: string;
  type: string;
  default: unknown;
}

/** The bot's row, then what its code says about its config, then its subscriptions. */
export interface BotDetails extends Bot {
  /** Top-level fields of the bot's config schema; null when the code could not be loaded. */
  config_fields: ConfigField[] | null;
  /** Why config_fields is null. */
  config_error?: string;
  subscriptions: SubscriptionListing[];
}

export async function run(context: CommandContext, [ref]: Arguments<'show'>): Promise<BotDetails> {
  const { db } = await context.database();
  const bot = await findBot(db, ref ?? '');
  const subscriptions = await listSubscriptions(db, { botId: bot.id });
  let config_fields: ConfigField[] | null = null;
  let config_error: string | undefined;
  try {
    // The schema comes from the bot's own code, asked inside the sandbox (one short child process).
    const { resolveBundle } = await import('../../bots/resolve-code.js');
    const { describeBot } = await import('../../bots/describe-bot.js');
    const { bundle, displayName } = await resolveBundle(db, context.home, bot, null);
    config_fields = configFields((await describeBot(bundle.path, displayName, undefined, { custom: bot.kind === 'custom' })).configSchema);
  } catch (error) {
    config_error = errorText(error);
  }
  return {
    id: bot.id,
    name: bot.name,
    developer_id: bot.developer_id,
    kind: bot.kind,
    template: bot.template,
    code_path: bot.code_path,
    exchange_type: bot.exchange_type,
    description: bot.description,
    created_at: bot.created_at,
    config_fields,
    ...(config_error === undefined ? {} : { config_error }),
    subscriptions,
  };
}

function configFields(schema: unknown): ConfigField[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown; default?: unknown }> }).properties ?? {};
  return Object.entries(properties).map(([name, p]) => ({
    name,
    type: Array.isArray(p.type) ? p.type.join('|') : typeof p.type === 'string' ? p.type : 'any',
    default: p.default,
  }));
}

export function render(bot: BotDetails): string {
  const parts = [
    keyValues([
      ['id', bot.id],
      ['name', bot.name],
      ['developer', bot.developer_id],
      ['kind', bot.kind],
      ['code', bot.kind === 'template' ? `${bot.code_path} (shared template file)` : bot.code_path],
      ['exchange', bot.exchange_type],
      ['description', bot.description],
      ['created', bot.created_at],
    ]),
  ];
  if (bot.config_fields) {
    parts.push(
      '\nconfig fields',
      table(['field', 'type', 'default'], bot.config_fields.map((f) => [f.name, f.type, f.default === undefined ? '' : JSON.stringify(f.default)])),
    );
  } else parts.push(`\nconfig fields unavailable: ${block(bot.config_error ?? 'unknown error')}`);
  if (bot.subscriptions.length) {
    parts.push(
      `\nsubscriptions (${bot.subscriptions.length})`,
      table(
        ['id', 'name', 'pair', 'schedule', 'mode', 'enabled'],
        bot.subscriptions.map((s) => [s.id, s.name, s.trading_pair, `${s.schedule} (${s.timezone})`, s.mode, s.enabled ? 'yes' : 'paused']),
      ),
    );
  } else parts.push(`\nno subscriptions\n  next: botctl subscribe ${bot.id} --pair BTC/USDT:USDT --schedule "*/15 * * * *"`);
  return parts.join('\n');
}
