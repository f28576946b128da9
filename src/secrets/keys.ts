import type { Kysely } from 'kysely';
import { isUniqueViolation, validateExchangeId } from '../bots/create-template-bot.js';
import { validateName } from '../bots/names.js';
import type { Database } from '../db/schema.js';
import { writeTransaction } from '../db/write-transaction.js';
import { BotctlError, conflict, errorText, notFound, shown } from '../errors.js';
import type { Credentials } from './credentials-input.js';
import { decrypt, encrypt } from './encrypt.js';
import { loadMasterKey } from './master-key.js';

export interface KeyListing {
  name: string;
  exchange: string;
  created_at: string;
  /** Subscriptions that trade with this key. */
  subscriptions: number;
}

// Binds a ciphertext to its row: the payload of key A pasted into row B (or another exchange) won't open.
const associatedData = (name: string, exchange: string) => `botctl-api-key\u0000${name}\u0000${exchange}`;

export async function addKey(
  db: Kysely<Database>,
  home: string,
  input: { name: string; exchange: string; credentials: Credentials },
): Promise<KeyListing> {
  const name = validateName('NAME', input.name);
  const exchange = validateExchangeId(input.exchange);
  const existing = await db.selectFrom('api_keys').select('name').where('name', '=', name).executeTakeFirst();
  if (existing) throw duplicate(name);
  const masterKey = loadMasterKey(home, { create: true });
  const plaintext = Buffer.from(JSON.stringify(input.credentials), 'utf8');
  const encrypted_payload = encrypt(masterKey, plaintext, associatedData(name, exchange));
  plaintext.fill(0);
  try {
    const row = await db
      .insertInto('api_keys')
      .values({ name, exchange, encrypted_payload })
      .returning(['name', 'exchange', 'created_at'])
      .executeTakeFirstOrThrow();
    return { ...row, subscriptions: 0 };
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate(name);
    throw error;
  }
}

function duplicate(name: string) {
  return conflict(`An API key named ${shown(name)} already exists.`, `botctl keys rm ${name}  (then add it again)`);
}

export async function listKeys(db: Kysely<Database>): Promise<KeyListing[]> {
  const rows = await db
    .selectFrom('api_keys as k')
    .leftJoin('subscriptions as s', 's.key_name', 'k.name')
    .select(['k.name', 'k.exchange', 'k.created_at', (eb) => eb.fn.count<number>('s.id').as('subscriptions')])
    .groupBy(['k.name', 'k.exchange', 'k.created_at'])
    .orderBy('k.name')
    .execute();
  return rows.map((r) => ({ ...r, subscriptions: Number(r.subscriptions) }));
}

export async function findKey(db: Kysely<Database>, name: string): Promise<{ name: string; exchange: string }> {
  const row = await db.selectFrom('api_keys').select(['name', 'exchange']).where('name', '=', name).executeTakeFirst();
  if (!row) throw notFound(`No API key named ${shown(name)}.`, `botctl keys add ${safeForHint(name)} --exchange ID`);
  return row;
}

// A key some subscription trades with stays until those subscriptions go: they would fail at their next run.
export async function removeKey(db: Kysely<Database>, name: string): Promise<{ name: string; exchange: string }> {
  return writeTransaction(db, async (trx) => {
    const key = await findKey(trx, name);
    const users = await trx.selectFrom('subscriptions').select('id').where('key_name', '=', key.name).orderBy('id').execute();
    if (users.length) {
      const ids = users.map((u) => u.id);
      throw conflict(
        `API key ${shown(name)} is used by subscription(s) ${ids.join(', ')}.`,
        ids.map((id) => `botctl unsubscribe ${id}`).join('; '),
      );
    }
    await trx.deleteFrom('api_keys').where('name', '=', key.name).execute();
    return key;
  });
}

interface KeyRow {
  name: string;
  exchange: string;
  encrypted_payload: string;
}

const open = (masterKey: Buffer, row: KeyRow) => decrypt(masterKey, row.encrypted_payload, associatedData(row.name, row.exchange));

/** For the daemon's broker: the only place a secret is ever decrypted for use. */
export async function decryptKey(db: Kysely<Database>, home: string, name: string): Promise<Credentials & { name: string; exchange: string }> {
  const row = await db.selectFrom('api_keys').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) throw notFound(`No API key named ${shown(name)}.`, `botctl keys add ${safeForHint(name)} --exchange ID`);
  const masterKey = loadMasterKey(home);
  let plaintext: Buffer;
  try {
    plaintext = open(masterKey, row);
  } catch (error) {
    throw new BotctlError(
      'runtime_failure',
      `API key ${shown(name)} cannot be decrypted: the master key differs from the one it was stored under, or the row was altered.`,
      { hint: `botctl keys rm ${row.name} && botctl keys add ${row.name} --exchange ${row.exchange}`, cause: error },
    );
  }
  const credentials = JSON.parse(plaintext.toString('utf8')) as Credentials;
  plaintext.fill(0);
  return { name: row.name, exchange: row.exchange, ...credentials };
}

/**
 * The stored keys this process's master key cannot open (another key, or none at all), and why: botd says so at
 * start rather than at a live subscription's first order. Each one opened is wiped at once; nothing is kept.
 */
export async function unopenableKeys(db: Kysely<Database>, home: string): Promise<{ names: string[]; reason: string } | undefined> {
  const rows = await db.selectFrom('api_keys').select(['name', 'exchange', 'encrypted_payload']).orderBy('name').execute();
  if (rows.length === 0) return undefined;
  let masterKey: Buffer;
  try {
    masterKey = loadMasterKey(home);
  } catch (error) {
    return { names: rows.map((r) => r.name), reason: errorText(error) };
  }
  const names = rows.filter((row) => {
    try {
      open(masterKey, row).fill(0);
      return false;
    } catch {
      return true;
    }
  });
  if (names.length === 0) return undefined;
  return { names: names.map((r) => r.name), reason: 'the master key differs from the one they were stored under, or their rows were altered' };
}

function safeForHint(name: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(name) ? name : 'NAME';
}
