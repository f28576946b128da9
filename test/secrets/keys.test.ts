import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addKey, decryptKey, listKeys, removeKey } from '../../src/secrets/keys.js';
import { useTemporaryDatabase } from '../support/database.js';
import { snapshotDatabase } from '../support/db-snapshot.js';
import { expectBotctlError } from '../support/expect-error.js';
import { makeBot, makeSubscription } from '../support/fixtures.js';

const secret = 'S3CR3T-d2f0c6b1e8a94f0b9c7e5a3d1f2e4c6b';
const apiKey = 'APIKEY-7e1c0b9a8d6f4e2c';

describe('API keys', () => {
  const temp = useTemporaryDatabase();

  it('stores a key encrypted: the secret bytes occur in none of the database files', async () => {
    const listed = await addKey(temp.db, temp.home, { name: 'main', exchange: 'binanceusdm', credentials: { apiKey, secret } });
    expect(listed).toMatchObject({ name: 'main', exchange: 'binanceusdm', subscriptions: 0 });
    // Every row as the database returns it (either engine)...
    const rows = JSON.stringify(await temp.db.selectFrom('api_keys').selectAll().execute());
    expect(rows).not.toContain(secret);
    expect(rows).not.toContain(apiKey);
    // ...and on SQLite the files themselves, read while the connection is open: the row may still sit in the WAL.
    if (temp.connection.engine !== 'sqlite') return;
    const files = readdirSync(temp.home).filter((f) => f.startsWith('botctl.db'));
    expect(files).toContain('botctl.db');
    for (const file of files) {
      const raw = readFileSync(join(temp.home, file));
      expect(raw.includes(Buffer.from(secret)), file).toBe(false);
      expect(raw.includes(Buffer.from(secret, 'utf16le')), file).toBe(false);
      expect(raw.includes(Buffer.from(apiKey)), file).toBe(false);
    }
  });

  it('lists names, exchanges and dates only', async () => {
    const keys = await listKeys(temp.db);
    expect(keys).toEqual([{ name: 'main', exchange: 'binanceusdm', created_at: expect.any(String) as string, subscriptions: 0 }]);
    expect(JSON.stringify(keys)).not.toContain('S3CR3T');
  });

  it('decrypts for the broker', async () => {
    expect(await decryptKey(temp.db, temp.home, 'main')).toEqual({ name: 'main', exchange: 'binanceusdm', apiKey, secret });
  });

  it('cannot be decrypted after its payload is moved to another row', async () => {
    const { db } = temp;
    await addKey(db, temp.home, { name: 'other', exchange: 'binanceusdm', credentials: { apiKey: 'x', secret: 'y' } });
    const main = await db.selectFrom('api_keys').select('encrypted_payload').where('name', '=', 'main').executeTakeFirstOrThrow();
    await db.updateTable('api_keys').set({ encrypted_payload: main.encrypted_payload }).where('name', '=', 'other').execute();
    await expectBotctlError(decryptKey(db, temp.home, 'other'), { exitCode: 1, message: 'cannot be decrypted' });
    await removeKey(db, 'other');
  });

  it('refuses a duplicate, a bad name or exchange, and unknown keys: exit 2, nothing written', async () => {
    const { db } = temp;
    const before = snapshotDatabase(temp.home);
    const credentials = { apiKey: 'a', secret: 'b' };
    await expectBotctlError(addKey(db, temp.home, { name: 'main', exchange: 'binanceusdm', credentials }), {
      message: 'An API key named "main" already exists.',
      hint: 'botctl keys rm main',
    });
    await expectBotctlError(addKey(db, temp.home, { name: '../main', exchange: 'binanceusdm', credentials }), { message: 'Expected `NAME` to be 1-64 characters' });
    await expectBotctlError(addKey(db, temp.home, { name: 'ma\nin', exchange: 'binanceusdm', credentials }), { message: 'Expected `NAME`' });
    await expectBotctlError(addKey(db, temp.home, { name: 'k2', exchange: 'Binance!', credentials }), { message: 'Expected `--exchange`' });
    await expectBotctlError(removeKey(db, 'ghost'), { message: 'No API key named "ghost".' });
    await expectBotctlError(decryptKey(db, temp.home, 'ghost'), { message: 'No API key named "ghost".' });
    expect(snapshotDatabase(temp.home)).toEqual(before);
  });

  it('refuses to remove a key that subscriptions trade with', async () => {
    const { db } = temp;
    const bot = await makeBot(db, 'trader');
    const s = await makeSubscription(db, bot);
    await db.updateTable('subscriptions').set({ mode: 'live', key_name: 'main' }).where('id', '=', s.id).execute();
    expect((await listKeys(db))[0]?.subscriptions).toBe(1);
    const before = snapshotDatabase(temp.home);
    await expectBotctlError(removeKey(db, 'main'), { message: `is used by subscription(s) ${s.id}`, hint: `botctl unsubscribe ${s.id}` });
    expect(snapshotDatabase(temp.home)).toEqual(before);
    await db.deleteFrom('subscriptions').where('id', '=', s.id).execute();
    expect(await removeKey(db, 'main')).toEqual({ name: 'main', exchange: 'binanceusdm' });
    expect(await listKeys(db)).toEqual([]);
  });
});
