// botd's notifications: listens on the event bus, turns events into notices, and per channel filters them
// (its `--on` kinds and muted subscriptions), coalesces bursts and hands messages to the channel's delivery
// queue. Only botd runs this; bot children have no channel, no secret and no network.
//
// Channels are re-read whenever botd's change feed reports another process's change (src/db/change-feed.ts), so
// `botctl notify add/rm/mute` apply to a running botd within about half a second (milliseconds on PostgreSQL).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { DaemonEvent, EventBus } from '../events/daemon-events.js';
import type { Answer } from './answer.js';
import { loadChannels, type Channel } from './channels.js';
import { Coalescer, defaultCoalescing, type CoalescerOptions } from './coalescer.js';
import { DeliveryQueue, defaultDelivery } from './delivery-queue.js';
import { noticeOf, type Notice, type SubscriptionLabel } from './notice.js';
import type { Message } from './payload.js';
import { RateGate } from './rate-gate.js';
import { sendTelegram, telegramApiUrl } from './telegram.js';
import { sendWebhook } from './webhook.js';
import { errorText } from '../errors.js';

/** The subset of botd's logger used here. */
export interface NotifyLog {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface NotifierOptions {
  db: Kysely<Database>;
  /** What the subscription is called (botd's directory of names): messages name it and its bot. */
  label(subscriptionId: number): SubscriptionLabel | undefined;
  /** Calls back on every change another process made to the database; returns how to stop. */
  onChange(listener: () => void): () => void;
  home: string;
  bus: EventBus;
  log: NotifyLog;
  telegramApiUrl?: string;
  requestTimeoutMs?: number;
  coalescing?: Partial<Omit<CoalescerOptions, 'flush'>>;
  delivery?: Partial<typeof defaultDelivery>;
  /** Spacing per Telegram chat (its limit is about one message per second). */
  telegramIntervalMs?: number;
}

interface ChannelState {
  channel: Channel;
  coalescer: Coalescer;
  queue: DeliveryQueue;
  dropped: number;
  dropLog: NodeJS.Timeout | undefined;
}

/** How long a dropped-message count gathers before one log line reports it. */
const dropLogMs = 5_000;

export class Notifier {
  readonly #options: NotifierOptions;
  readonly #states = new Map<number, ChannelState>();
  readonly #telegramGate: RateGate;
  #unwatch: (() => void) | undefined;
  #unsubscribe: (() => void) | undefined;
  #loading: Promise<void> | undefined;

  constructor(options: NotifierOptions) {
    this.#options = options;
    this.#telegramGate = new RateGate(options.telegramIntervalMs ?? 1_000);
  }

  get channels(): number {
    return this.#states.size;
  }

  async start(): Promise<void> {
    await this.#reload();
    this.#unsubscribe = this.#options.bus.on((event) => this.#onEvent(event));
    this.#unwatch = this.#options.onChange(() => {
      this.#loading ??= this.#reload().finally(() => (this.#loading = undefined));
    });
  }

  /** Sends what is held, waits up to `graceMs` for the queues, drops (and counts) the rest. */
  async stop(graceMs: number): Promise<void> {
    this.#unwatch?.();
    this.#unsubscribe?.();
    await this.#loading;
    for (const state of this.#states.values()) state.coalescer.flush();
    await Promise.all([...this.#states.values()].map((state) => state.queue.stop(graceMs)));
    for (const state of this.#states.values()) this.#reportDrops(state);
  }

  async #reload(): Promise<void> {
    let channels: Channel[];
    try {
      channels = await loadChannels(this.#options.db, this.#options.home);
    } catch (error) {
      this.#options.log.error('notification channels could not be loaded; keeping the previous ones', { error: errorText(error) });
      return;
    }
    const seen = new Set<number>();
    for (const channel of channels) {
      seen.add(channel.id);
      const state = this.#states.get(channel.id);
      if (state) state.channel = channel;
      else this.#states.set(channel.id, this.#newState(channel));
    }
    for (const [id, state] of this.#states) {
      if (seen.has(id)) continue;
      this.#states.delete(id);
      state.coalescer.flush();
      void state.queue.stop(0).then(() => this.#reportDrops(state));
    }
  }

  #newState(channel: Channel): ChannelState {
    const state: ChannelState = { channel, dropped: 0, dropLog: undefined } as ChannelState;
    state.queue = new DeliveryQueue({
      ...defaultDelivery,
      ...this.#options.delivery,
      ...(channel.kind === 'telegram' ? { gate: { rate: this.#telegramGate, key: channel.secrets.chatId } } : {}),
      send: (message) => this.#send(state.channel, message),
      onAttempt: (_message, answer, attempt) => {
        if (!answer.ok && answer.retryable) {
          this.#options.bus.emit({ type: 'notification', channelKind: channel.kind, outcome: 'retried' });
          this.#options.log.debug('notification attempt failed; retrying', { channel: channel.name, attempt, status: answer.status, answer: answer.text });
        }
      },
      onEnd: (message, outcome, answer) => this.#ended(state, message, outcome, answer),
    });
    state.coalescer = new Coalescer({ ...defaultCoalescing, ...this.#options.coalescing, flush: (messages) => this.#enqueue(state, messages) });
    return state;
  }

  #send(channel: Channel, message: Message): Promise<Answer> {
    const timeoutMs = this.#options.requestTimeoutMs;
    if (channel.kind === 'webhook') return sendWebhook(channel.secrets, JSON.stringify(message.payload), timeoutMs);
    return sendTelegram(channel.secrets, message.text, { apiUrl: this.#options.telegramApiUrl ?? telegramApiUrl(), ...(timeoutMs ? { timeoutMs } : {}) });
  }

  #onEvent(event: DaemonEvent): void {
    if (this.#states.size === 0) return;
    const notice = noticeOf(event, (id) => this.#labelOf(id));
    if (!notice) return;
    for (const state of this.#states.values()) if (wants(state.channel, notice)) state.coalescer.add(notice);
  }

  #labelOf(id: number): SubscriptionLabel {
    return this.#options.label(id) ?? { id, name: null, bot: null };
  }

  #enqueue(state: ChannelState, messages: Message[]): void {
    for (const message of messages) {
      if (state.queue.enqueue(message)) continue;
      this.#ended(state, message, 'dropped', undefined);
    }
  }

  #ended(state: ChannelState, message: Message, outcome: 'delivered' | 'failed' | 'dropped', answer: Answer | undefined): void {
    const { channel } = state;
    this.#options.bus.emit({ type: 'notification', channelKind: channel.kind, outcome });
    if (outcome === 'delivered') this.#options.log.debug('notification delivered', { channel: channel.name, kind: message.kind });
    else if (outcome === 'failed') {
      this.#options.log.warn('notification not delivered', { channel: channel.name, kind: message.kind, status: answer?.status ?? null, answer: answer?.text ?? null });
    } else {
      state.dropped++;
      state.dropLog ??= setTimeout(() => this.#reportDrops(state), dropLogMs).unref();
    }
  }

  #reportDrops(state: ChannelState): void {
    clearTimeout(state.dropLog);
    state.dropLog = undefined;
    if (state.dropped === 0) return;
    this.#options.log.warn('notification queue overflow: messages dropped', { channel: state.channel.name, dropped: state.dropped, capacity: this.#options.delivery?.capacity ?? defaultDelivery.capacity });
    state.dropped = 0;
  }
}

function wants(channel: Channel, notice: Notice): boolean {
  if (!channel.events.includes(notice.kind)) return false;
  return notice.subscriptionId === null || !channel.mutedSubscriptions.has(notice.subscriptionId);
}
