import type { Kysely } from 'kysely';
import type { BotKind, Database } from '../db/schema.js';

export interface BotListing {
  id: number;
  name: string;
  developer_id: string;
  kind: BotKind;
  code_path: string;
  exchange_type: string;
  subscriptions: number;
}

export async function listBots(db: Kysely<Database>): Promise<BotListing[]> {
  const rows = await db
    .selectFrom('bots as b')
    .leftJoin('subscriptions as s', 's.bot_id', 'b.id')
    .select(['b.id', 'b.name', 'b.developer_id', 'b.kind', 'b.code_path', 'b.exchange_type', (eb) => eb.fn.count<number>('s.id').as('subscriptions')])
    .groupBy('b.id')
    .orderBy('b.id')
    .execute();
  return rows.map((r) => ({ ...r, subscriptions: Number(r.subscriptions) }));
}
