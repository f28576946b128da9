// A real home with a real database, and helpers that write the rows a broker session reads.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Bot, Database, Subscription } from '../../src/db/schema.js';
import type { RecordedFile } from '../../src/broker/market-data.js';
import type { ExchangeSession } from '../../src/broker/session.js';
import { finishRun } from '../../src/daemon/ledger.js';
import { addKey } from '../../src/secrets/keys.js';
import { openTemporaryDatabase, type TemporaryDatabase } from '../support/database.js';
import { makeBot, makeRun, makeSubscription, type SubscriptionOptions } from '../support/fixtures.js';

export type World = TemporaryDatabase;
export const openWorld = openTemporaryDatabase;

export function templateBot(db: Kysely<Database>, template: string, exchange: string, name = template): Promise<Bot> {
  return makeBot(db, name, { template, exchange });
}

export function storeKey(world: World, name: string, exchange: string, apiKey: string, secret: string): Promise<unknown> {
  return addKey(world.db, world.home, { name, exchange, credentials: { apiKey, secret } });
}

export type SubscriptionInput = Omit<SubscriptionOptions, 'schedule'> & { pair: string };

export function subscribe(db: Kysely<Database>, bot: Bot, input: SubscriptionInput): Promise<Subscription> {
  return makeSubscription(db, bot, { ...input, schedule: '0 * * * *' });
}

let slot = 0;

/** A claimed run row, as the runner writes before a session opens. */
export function claim(db: Kysely<Database>, subscription: Subscription): Promise<number> {
  const at = new Date(Date.UTC(2030, 0, 1) + slot++ * 60_000).toISOString();
  return makeRun(db, subscription, 'running', at);
}

/** Finishes a claimed run as succeeded, as the runner does (the session has written its orders already). */
export async function finishSucceeded(world: World, runId: number, subscription: Subscription, session: ExchangeSession): Promise<void> {
  await finishRun(world.db, {
    runId, subscriptionId: subscription.id, status: 'succeeded', exitCode: 0, signal: null, error: null, logTail: null, state: {},
    commit: session.commit?.(), signals: [], maxConsecutiveFailures: 5,
  });
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
