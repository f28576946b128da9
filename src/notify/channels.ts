// Notification channels in the database: add, list, remove, mute and unmute; and, for botd and
// `botctl notify test` only, the channels with their secrets decrypted.
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../bots/create-template-bot.js';
import { validateName } from '../bots/names.js';
import type { Database } from '../db/schema.js';
import { BotctlError, conflict, notFound, shown } from '../errors.js';
import { decrypt, encrypt } from '../secrets/encrypt.js';
import { loadMasterKey } from '../secrets/master-key.js';
import { findSubscription } from '../subscriptions/find-subscription.js';
import type { TelegramSecrets, WebhookSecrets } from './channel-secrets.js';
import { isEventKind, type EventKind } from './event-kinds.js';

export type ChannelInput =
  | { name: string; kind: 'webhook'; events: EventKind[]; secrets: WebhookSecrets }
  | { name: string; kind: 'telegram'; events: EventKind[]; secrets: TelegramSecrets };

export interface ChannelListing {
  name: string;
  kind: 'webhook' | 'telegram';
  target: string;
  events: EventKind[];
  /** Subscriptions muted on this channel (names where set, else ids). */
  muted: string[];
  created_at: string;
}

export type Channel = (
  | { kind: 'webhook'; secrets: WebhookSecrets }
  | { kind: 'telegram'; secrets: TelegramSecrets }
) & { id: number; name: string; events: EventKind[]; mutedSubscriptions: Set<number> };

const associatedData = (name: string, kind: string) => `botctl-notify-channel\u0000${name}\u0000${kind}`;

export async function addChannel(db: Kysely<Database>, home: string, input: ChannelInput): Promise<ChannelListing> {
  const name = validateName('NAME', input.name);
  if (await db.selectFrom('notify_channels').select('id').where('name', '=', name).executeTakeFirst()) throw duplicate(name);
  const target = input.kind === 'webhook' ? new URL(input.secrets.url).origin : 'telegram';
  const plaintext = Buffer.from(JSON.stringify(input.secrets), 'utf8');
  const encrypted_payload = encrypt(loadMasterKey(home, { create: true }), plaintext, associatedData(name, input.kind));
  plaintext.fill(0);
  try {
    const row = await db
      .insertInto('notify_channels')
      .values({ name, kind: input.kind, target, encrypted_payload, events: input.events.join(',') })
      .returning(['created_at'])
      .executeTakeFirstOrThrow();
    return { name, kind: input.kind, target, events: input.events, muted: [], created_at: row.created_at };
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate(name);
    throw error;
  }
}

function duplicate(name: string) {
  return conflict(`A notification channel named ${shown(name)} already exists.`, `botctl notify rm ${name}  (then add it again)`);
}

export async function listChannels(db: Kysely<Database>): Promise<ChannelListing[]> {
  const rows = await db.selectFrom('notify_channels').select(['id', 'name', 'kind', 'target', 'events', 'created_at']).orderBy('name').execute();
  const mutes = await db
    .selectFrom('notify_mutes as m')
    .innerJoin('subscriptions as s', 's.id', 'm.subscription_id')
    .select(['m.channel_id', 's.id', 's.name'])
    .orderBy('s.id')
    .execute();
  return rows.map((r) => ({
    name: r.name,
    kind: r.kind,
    target: r.target,
    events: kindsOf(r.events),
    muted: mutes.filter((m) => m.channel_id === r.id).map((m) => m.name ?? String(m.id)),
    created_at: r.created_at,
  }));
}

async function findChannel(db: Kysely<Database>, name: string): Promise<{ id: number; name: string }> {
  const row = await db.selectFrom('notify_channels').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
  if (!row) throw notFound(`No notification channel named ${shown(name)}.`, 'botctl notify');
  return row;
}

export async function removeChannel(db: Kysely<Database>, name: string): Promise<{ name: string }> {
  const channel = await findChannel(db, name);
  await db.deleteFrom('notify_channels').where('id', '=', channel.id).execute();
  return { name: channel.name };
}

export interface MuteResult {
  channel: string;
  subscription: { id: number; name: string | null };
  muted: boolean;
}

/** Mutes (or unmutes) one subscription on one channel; idempotent. */
export async function setMuted(db: Kysely<Database>, channelName: string, subscriptionRef: string, muted: boolean): Promise<MuteResult> {
  const channel = await findChannel(db, channelName);
  const subscription = await findSubscription(db, subscriptionRef);
  if (muted) {
    await db.insertInto('notify_mutes').values({ channel_id: channel.id, subscription_id: subscription.id }).onConflict((oc) => oc.doNothing()).execute();
  } else {
    await db.deleteFrom('notify_mutes').where('channel_id', '=', channel.id).where('subscription_id', '=', subscription.id).execute();
  }
  return { channel: channel.name, subscription: { id: subscription.id, name: subscription.name }, muted };
}

/** Channels with their secrets, for sending. Only botd and `botctl notify test` call this. */
export async function loadChannels(db: Kysely<Database>, home: string, only?: string): Promise<Channel[]> {
  let query = db.selectFrom('notify_channels').selectAll().orderBy('name');
  if (only !== undefined) query = query.where('name', '=', only);
  const rows = await query.execute();
  if (only !== undefined && rows.length === 0) throw notFound(`No notification channel named ${shown(only)}.`, 'botctl notify');
  if (rows.length === 0) return [];
  const mutes = await db.selectFrom('notify_mutes').select(['channel_id', 'subscription_id']).execute();
  const masterKey = loadMasterKey(home);
  return rows.map((row) => {
    let plaintext: Buffer;
    try {
      plaintext = decrypt(masterKey, row.encrypted_payload, associatedData(row.name, row.kind));
    } catch (error) {
      throw new BotctlError('runtime_failure', `Notification channel ${shown(row.name)} cannot be decrypted: the master key differs from the one it was stored under, or the row was altered.`, {
        hint: `botctl notify rm ${row.name}  (then add it again)`,
        cause: error,
      });
    }
    const secrets = JSON.parse(plaintext.toString('utf8')) as WebhookSecrets & TelegramSecrets;
    plaintext.fill(0);
    const mutedSubscriptions = new Set(mutes.filter((m) => m.channel_id === row.id).map((m) => m.subscription_id));
    const base = { id: row.id, name: row.name, events: kindsOf(row.events), mutedSubscriptions };
    return row.kind === 'webhook'
      ? { ...base, kind: 'webhook' as const, secrets: { url: secrets.url, secret: secrets.secret } }
      : { ...base, kind: 'telegram' as const, secrets: { token: secrets.token, chatId: secrets.chatId } };
  });
}

function kindsOf(events: string): EventKind[] {
  return events.split(',').filter(isEventKind);
}
