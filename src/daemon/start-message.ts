// What a child is told when it may start: built from the subscription as it is at that moment (at once, or at
// the slot when pre-warmed, prewarm.ts), so a config edit applies to the very next start.
import type { Kysely } from 'kysely';
import type { Bot, Database, Subscription } from '../db/schema.js';
import type { StartMessage } from '../runtime/protocol.js';
import { Calendar, defaultTimeoutMs } from './calendar.js';
import { loadState } from './ledger.js';

/** What to send the child once it may start, or why it never does. */
export type Begin = { start: StartMessage; timeoutMs: number } | NotStarted;
/** `forget`: the slot has not come, so its row is deleted rather than finished (botd stopping). */
export type NotStarted = { status: 'skipped' | 'failed'; error: string; forget?: boolean };

export interface StartFor {
  runId: number;
  scheduledFor: string;
  bot: Bot;
  subscription: Subscription;
  /** The run's simulated time, for the child's clock (paper runs given Execution.clock). */
  clock?: number;
}

export async function startMessage(db: Kysely<Database>, { runId, scheduledFor, bot, subscription, clock }: StartFor): Promise<Begin> {
  let config: unknown;
  try {
    config = JSON.parse(subscription.execution_config);
  } catch {
    return { status: 'failed', error: 'execution_config is not valid JSON' };
  }
  const timeoutMs = subscription.timeout_ms ?? defaultTimeoutMs(new Calendar(subscription.schedule, subscription.timezone).periodMs(Date.now()));
  const start: StartMessage = {
    type: 'start',
    runId,
    subscriptionId: subscription.id,
    scheduledFor,
    pair: subscription.trading_pair,
    mode: subscription.mode,
    exchangeId: bot.exchange_type,
    config,
    state: await loadState(db, subscription.id),
    ...(clock === undefined ? {} : { clock }),
  };
  return { start, timeoutMs };
}
