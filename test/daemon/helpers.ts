// Shared by the daemon suites: fixture bots as templates, rows inserted straight into a real database,
// and process checks that treat zombies (never reaped on hosts whose init does not reap) as gone.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Database, Run } from '../../src/db/schema.js';

export const fixtureBots = fileURLToPath(new URL('../fixtures/bots', import.meta.url));

let botCount = 0;

/** A template bot whose code is test/fixtures/bots/<fixture>.ts (with BOTCTL_BOT_FILES pointing there). */
export async function addBot(db: Kysely<Database>, fixture: string, exchange = 'binanceusdm'): Promise<number> {
  const row = await db
    .insertInto('bots')
    .values({
      name: `${fixture.replace(/-/g, '_')}_${++botCount}`,
      developer_id: 'test',
      kind: 'template',
      template: fixture,
      code_path: `bot_files/${fixture}.ts`,
      exchange_type: exchange,
      description: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface SubscriptionSeed {
  schedule?: string;
  timezone?: string;
  config?: unknown;
  timeoutMs?: number | null;
  enabled?: boolean;
  pair?: string;
  createdAt?: string;
}

export async function addSubscription(db: Kysely<Database>, botId: number, seed: SubscriptionSeed = {}): Promise<number> {
  const now = new Date().toISOString();
  const row = await db
    .insertInto('subscriptions')
    .values({
      bot_id: botId,
      user_principal_id: 'test',
      trading_pair: seed.pair ?? 'BTC/USDT:USDT',
      schedule: seed.schedule ?? '0 0 1 1 *',
      timezone: seed.timezone ?? 'UTC',
      execution_config: JSON.stringify(seed.config ?? {}),
      risk_config: '{}',
      mode: 'paper',
      key_name: null,
      enabled: seed.enabled === false ? 0 : 1,
      paused_reason: null,
      pinned_version: null,
      timeout_ms: seed.timeoutMs ?? null,
      created_at: seed.createdAt ?? now,
      updated_at: now,
    } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function runsOf(db: Kysely<Database>, subscriptionId: number): Promise<Run[]> {
  return db.selectFrom('runs').selectAll().where('subscription_id', '=', subscriptionId).orderBy('scheduled_for').execute();
}

/** True while the process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls until `check` returns a truthy value; throws with `what` after `timeoutMs`. The deadline only
 * catches a hang: on a loaded machine (load average 20 on 2 cores has been seen) a second-schedule run can
 * take many seconds, and a tight deadline turned that into failures.
 */
export async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 90_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A pre-warmed run's row: claimed, its child spawned, its slot still more than a second away. */
// Generous: a slot whose warm-up came too late under load is simply followed by the next one.
export function untilWarmChild(db: Kysely<Database>, subscriptionId: number): Promise<Run> {
  return until(
    'a warm child waiting for its slot',
    async () => (await runsOf(db, subscriptionId)).find((r) => r.status === 'running' && r.child_pid !== null && Date.parse(r.scheduled_for) > Date.now() + 1_000),
  );
}
