import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTemporarySqlite } from '../support/database.js';

// The migrations are frozen; they learned PostgreSQL through src/db/dialect-sql.ts on the condition that an
// existing SQLite home sees no change at all. A fresh home's schema text must be the one captured before.
const expected = readFileSync(new URL('./fixtures/sqlite-schema.sql', import.meta.url), 'utf8')
  .split('\n')
  .slice(4)
  .join('\n');

describe('SQLite schema', () => {
  let temporary: Awaited<ReturnType<typeof openTemporarySqlite>>;
  beforeAll(async () => {
    temporary = await openTemporarySqlite();
  });
  afterAll(() => temporary.close());

  it('is byte-identical to the one the migrations built before they learned PostgreSQL', () => {
    const rows = temporary.connection.sqlite
      .prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name')
      .all() as { type: string; name: string; tbl_name: string; sql: string | null }[];
    const text = rows.map((r) => `-- ${r.type} ${r.name} on ${r.tbl_name}\n${r.sql ?? '(no sql: created by SQLite itself)'}\n`).join('\n');
    expect(rows.length).toBeGreaterThan(20);
    expect(text).toBe(expected);
  });
});
