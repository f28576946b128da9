import type { Kysely } from 'kysely';
import type { Database, Subscription } from '../db/schema.js';
import { writeTransaction } from '../db/write-transaction.js';
import { invalid, shown } from '../errors.js';
import { findSubscription } from './find-subscription.js';
import { hasControlChars } from '../text/control-chars.js';

export interface Changed {
  subscription: Subscription;
  /** False when it already was in the requested state: pausing a paused subscription is not an error. */
  changed: boolean;
}

/** Stops botd from scheduling it; runs already under way finish. */
export async function pauseSubscription(db: Kysely<Database>, ref: string, reason = 'paused by operator'): Promise<Changed> {
  if (reason.length > 500 || hasControlChars(reason)) {
    throw invalid(`Expected \`--reason\` to be one line of at most 500 characters, got ${shown(reason)}.`);
  }
  return setEnabled(db, ref, false, reason);
}

/** Schedules it again and forgets the failure streak that may have paused it. */
export async function resumeSubscription(db: Kysely<Database>, ref: string): Promise<Changed> {
  return setEnabled(db, ref, true, null);
}

async function setEnabled(db: Kysely<Database>, ref: string, enabled: boolean, reason: string | null): Promise<Changed> {
  return writeTransaction(db, async (trx) => {
    const current = await findSubscription(trx, ref);
    if ((current.enabled === 1) === enabled) return { subscription: current, changed: false };
    const subscription = await trx
      .updateTable('subscriptions')
      .set({
        enabled: enabled ? 1 : 0,
        paused_reason: reason,
        updated_at: new Date().toISOString(),
        ...(enabled ? { consecutive_failures: 0 } : {}),
      })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { subscription, changed: true };
  });
}

/** Removes it with its run history, state and paper account (foreign-key cascade), in one transaction. */
export async function deleteSubscription(db: Kysely<Database>, ref: string): Promise<Subscription> {
  return writeTransaction(db, async (trx) => {
    const subscription = await findSubscription(trx, ref);
    await trx.deleteFrom('subscriptions').where('id', '=', subscription.id).execute();
    return subscription;
  });
}
