import { readdirSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { openDatabase } from '../../src/db/open.js';
import { decryptKey } from '../../src/secrets/keys.js';
import { botctl } from '../support/cli.js';
import { useTemporaryHomes } from '../support/home.js';

// Item 2: five botctl processes started at once on a fresh home end with one schema and no error.
describe('five botctl processes at once on a fresh home', () => {
  const fresh = useTemporaryHomes();

  function schemaOf(home: string) {
    const db = new SQLite(join(home, 'botctl.db'), { readonly: true });
    try {
      return {
        objects: db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all(),
        userVersion: db.pragma('user_version', { simple: true }),
        migrations: db.prepare('SELECT name FROM kysely_migration ORDER BY name').all(),
      };
    } finally {
      db.close();
    }
  }

  async function referenceSchema() {
    const home = fresh();
    const connection = await openDatabase(home);
    await connection.close();
    return schemaOf(home);
  }

  it.each([1, 2, 3])('create ×5, round %i: all succeed, one schema, every row written', async () => {
    const home = fresh();
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => botctl(home, ['create', '--template', 'simple_sma_bot', '--name', `bot-${i}`, '--json'])),
    );
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    }
    const schema = schemaOf(home);
    expect(schema).toEqual(await referenceSchema());
    expect(schema.userVersion).toBe(Object.keys(migrations).length);
    expect(schema.migrations).toEqual(Object.keys(migrations).map((name) => ({ name })));
    const db = new SQLite(join(home, 'botctl.db'), { readonly: true });
    expect(db.prepare('SELECT name FROM bots ORDER BY name').all()).toEqual([0, 1, 2, 3, 4].map((i) => ({ name: `bot-${i}` })));
    db.close();
  });

  it('keys add ×5: one master key, and every key decrypts with it', async () => {
    const home = fresh();
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => botctl(home, ['keys', 'add', `key-${i}`, '--exchange', 'binanceusdm'], { input: `KEY${i}\nSECRET${i}\n` })),
    );
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    }
    expect(readdirSync(home).filter((f) => f.includes('master.key'))).toEqual(['master.key']);
    const connection = await openDatabase(home);
    try {
      for (let i = 0; i < 5; i++) {
        expect(await decryptKey(connection.db, home, `key-${i}`)).toMatchObject({ apiKey: `KEY${i}`, secret: `SECRET${i}` });
      }
    } finally {
      await connection.close();
    }
    expect(schemaOf(home)).toEqual(await referenceSchema());
  });
});
