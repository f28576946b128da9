import type { Kysely } from 'kysely';
import type { Bot, Database } from '../db/schema.js';
import { invalid, notFound, shown } from '../errors.js';
import { nearMatches } from '../near-matches.js';

// Resolves a BOT argument: an id ("7"), a name ("sma") or a developer-qualified name ("alice/sma").
// Names are never all digits (validateName), so an all-digit argument is always an id.
export async function findBot(db: Kysely<Database>, ref: string): Promise<Bot> {
  const text = ref.trim();
  if (/^\d+$/.test(text)) {
    const bot = await db.selectFrom('bots').selectAll().where('id', '=', Number(text)).executeTakeFirst();
    if (!bot) throw notFound(`No bot with id ${text}.`, 'botctl bots');
    return bot;
  }
  const slash = text.indexOf('/');
  const developer = slash === -1 ? undefined : text.slice(0, slash);
  const name = slash === -1 ? text : text.slice(slash + 1);
  let query = db.selectFrom('bots').selectAll().where('name', '=', name);
  if (developer !== undefined) query = query.where('developer_id', '=', developer);
  const bots = await query.orderBy('id').limit(20).execute();
  const [first] = bots;
  if (!first) {
    const names = (await db.selectFrom('bots').select('name').distinct().execute()).map((b) => b.name);
    const near = nearMatches(name, names);
    throw notFound(`No bot named ${shown(ref)}.${near.length ? ` Did you mean ${near.map((n) => shown(n)).join(' or ')}?` : ''}`, 'botctl bots');
  }
  if (bots.length > 1) {
    const candidates = bots.map((b) => `id ${b.id} (${b.developer_id}/${b.name})`).join(', ');
    throw invalid(
      `Bot name ${shown(ref)} is ambiguous: ${candidates}. Use the id or developer/name.`,
      `botctl show ${first.developer_id}/${first.name}`,
    );
  }
  return first;
}
