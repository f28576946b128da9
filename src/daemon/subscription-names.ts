// What botd calls each subscription, in memory: its name and its bot's, for log lines, metric labels and
// notifications, which are written synchronously and must never wait on the database. Read whole at start and
// again on every change the change feed reports (src/db/change-feed.ts), so a renamed subscription is named as
// it is now within a poll (SQLite) or milliseconds (PostgreSQL).
import type { Kysely } from 'kysely';
import { coalesced } from '../coalesced.js';
import type { Database } from '../db/schema.js';
import type { SubscriptionLabel } from '../notify/notice.js';

export class SubscriptionNames {
  #labels = new Map<number, SubscriptionLabel>();

  constructor(private readonly db: Kysely<Database>) {}

  get(id: number): SubscriptionLabel | undefined {
    return this.#labels.get(id);
  }

  /** Reads every subscription's names; one read at a time, and one more if asked for meanwhile. */
  readonly refresh = coalesced(async () => {
    const rows = await this.db
      .selectFrom('subscriptions as s')
      .leftJoin('bots as b', 'b.id', 's.bot_id')
      .select(['s.id as id', 's.name as name', 'b.name as bot'])
      .execute();
    this.#labels = new Map(rows.map((r) => [r.id, r]));
  });
}
