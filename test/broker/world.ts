// A real home with a real database, and helpers that write the rows a broker session reads.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { createTemplateBot } from '../../src/bots/create-template-bot.js';
import type { Bot, Database, Mode, Subscription } from '../../src/db/schema.js';
import type { RecordedFile } from '../../src/broker/market-data.js';
import { addKey } from '../../src/secrets/keys.js';
import { openTemporaryDatabase, type TemporaryDatabase } from '../support/database.js';

export type World = TemporaryDatabase;
export const openWorld = openTemporaryDatabase;

export function templateBot(db: Kysely<Database>, template: string, exchange: string, name = template): Promise<Bot> {
  return createTemplateBot(db, { name, template, developer: 'default', exchange });
}

export function storeKey(world: World, name: string, exchange: string, apiKey: string, secret: string): Promise<unknown> {
  return addKey(world.db, world.home, { name, exchange, credentials: { apiKey, secret } });
}

export interface SubscriptionInput {
  pair: string;
  mode?: Mode;
  key?: string | null;
  execution?: Record<string, unknown>;
  risk?: Record<string, unknown>;
  name?: string;
}

export function subscribe(db: Kysely<Database>, bot: Bot, input: SubscriptionInput): Promise<Subscription> {
  return db
    .insertInto('subscriptions')
    .values({
      bot_id: bot.id,
      name: input.name ?? null,
      user_principal_id: 'default',
      trading_pair: input.pair,
      schedule: '0 * * * *',
      timezone: 'UTC',
      execution_config: JSON.stringify(input.execution ?? {}),
      risk_config: JSON.stringify(input.risk ?? {}),
      mode: input.mode ?? 'paper',
      key_name: input.key ?? null,
      enabled: 1,
      updated_at: new Date().toISOString(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

let slot = 0;

/** A claimed run row, as the runner writes before a session opens. */
export async function claim(db: Kysely<Database>, subscription: Subscription): Promise<number> {
  const at = new Date(Date.UTC(2030, 0, 1) + slot++ * 60_000).toISOString();
  const row = await db
    .insertInto('runs')
    .values({ subscription_id: subscription.id, scheduled_for: at, started_at: at, status: 'running' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A recorded-data folder with one BTC/USDT file of 1-minute candles (spot and perpetual rules like Binance's). */
export function recordedDir(candles: RecordedFile['candles']): string {
  const dir = mkdtempSync(join(tmpdir(), 'botctl-recorded-'));
  const file: RecordedFile = {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timeframe: '1m',
    markets: {
      spot: { id: 'BTCUSDT', amountStep: 0.00001, priceTick: 0.01, minAmount: 0.00001, maxAmount: 9000, minCost: 5, taker: 0.001, maker: 0.001 },
      swap: { id: 'BTCUSDT', amountStep: 0.001, priceTick: 0.1, minAmount: 0.001, maxAmount: 1000, minCost: 100, taker: 0.0005, maker: 0.0002 },
    },
    candles,
  };
  writeFileSync(join(dir, 'binance-BTCUSDT-1m.json'), JSON.stringify(file));
  return dir;
}
