import type { Kysely } from 'kysely';
import { createTemplateBot } from '../../src/bots/create-template-bot.js';
import type { Bot, Database, Mode, RunStatus, Subscription } from '../../src/db/schema.js';

// Rows written straight to the database, for tests about reading and deleting them (no sandbox child).
export function makeBot(db: Kysely<Database>, name: string, options: { developer?: string; template?: string; exchange?: string } = {}): Promise<Bot> {
  return createTemplateBot(db, {
    name,
    template: options.template ?? 'simple_sma_bot',
    developer: options.developer ?? 'default',
    exchange: options.exchange ?? 'binanceusdm',
  });
}

export interface SubscriptionOptions {
  name?: string;
  pair?: string;
  schedule?: string;
  mode?: Mode;
  key?: string | null;
  execution?: Record<string, unknown>;
  risk?: Record<string, unknown>;
}

export function makeSubscription(db: Kysely<Database>, bot: Bot, options: SubscriptionOptions = {}): Promise<Subscription> {
  return db
    .insertInto('subscriptions')
    .values({
      bot_id: bot.id,
      name: options.name ?? null,
      user_principal_id: 'default',
      trading_pair: options.pair ?? 'BTC/USDT:USDT',
      schedule: options.schedule ?? '*/15 * * * *',
      timezone: 'UTC',
      execution_config: JSON.stringify(options.execution ?? {}),
      risk_config: JSON.stringify(options.risk ?? {}),
      mode: options.mode ?? 'paper',
      key_name: options.key ?? null,
      enabled: 1,
      updated_at: new Date().toISOString(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function makeRun(db: Kysely<Database>, subscription: Subscription, status: RunStatus, scheduledFor: string): Promise<number> {
  const row = await db
    .insertInto('runs')
    .values({ subscription_id: subscription.id, scheduled_for: scheduledFor, started_at: scheduledFor, status })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
