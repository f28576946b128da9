import type { Kysely } from 'kysely';
import type { Database, Subscription } from '../db/schema.js';
import { notFound, shown } from '../errors.js';

// Resolves a SUB argument: an id ("12") or the subscription's name (unique where set, never all digits).
export async function findSubscription(db: Kysely<Database>, ref: string): Promise<Subscription> {
  const text = ref.trim();
  const query = db.selectFrom('subscriptions').selectAll();
  const subscription = /^\d+$/.test(text)
    ? await query.where('id', '=', Number(text)).executeTakeFirst()
    : await query.where('name', '=', text).executeTakeFirst();
  if (!subscription) {
    throw notFound(`No subscription ${/^\d+$/.test(text) ? `with id ${text}` : `named ${shown(ref)}`}.`, 'botctl subscriptions');
  }
  return subscription;
}
