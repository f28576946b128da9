import type { Kysely } from 'kysely';
import type { Database, Subscription } from '../db/schema.js';
import { notFound, shown } from '../errors.js';
import { nearMatches } from '../near-matches.js';
import { sanitizedName } from './subscription-name.js';

// Resolves a SUB argument: an id ("12") or the subscription's name (unique where set, never all digits).
// A name may be typed with the pair as written (`btc-trend.BTC/USDT:USDT`): it is also tried in the
// spelling `subscribe` gives default names (`btc-trend.BTC-USDT-USDT`).
export async function findSubscription(db: Kysely<Database>, ref: string): Promise<Subscription> {
  const text = ref.trim();
  const query = db.selectFrom('subscriptions').selectAll();
  if (/^\d+$/.test(text)) {
    const byId = await query.where('id', '=', Number(text)).executeTakeFirst();
    if (!byId) throw notFound(`No subscription with id ${text}.`, 'botctl subscriptions');
    return byId;
  }
  const spellings = [...new Set([text, sanitizedName(text)])];
  const found = await query.where('name', 'in', spellings).execute();
  const exact = found.find((s) => s.name === text) ?? found[0];
  if (exact) return exact;
  const names = (await db.selectFrom('subscriptions').select('name').execute()).flatMap((s) => (s.name ? [s.name] : []));
  const near = nearMatches(sanitizedName(text), names);
  const suggestion = near.length ? ` Did you mean ${near.map((n) => shown(n)).join(' or ')}?` : '';
  throw notFound(`No subscription named ${shown(ref)}.${suggestion}`, 'botctl subscriptions');
}
