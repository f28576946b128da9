// One channel's outgoing messages: a bounded FIFO sent one at a time. A failed attempt is retried with
// exponential backoff (1 s, 2 s, 4 s … capped), or after the receiver's own retry_after / Retry-After; an answer
// that says "never" (a 4xx other than 408 and 429) ends the message at once. A full queue refuses the new
// message: the caller logs and counts it. Nothing here can block or fail a run: botd only enqueues.
import type { Answer } from './answer.js';
import type { Message } from './payload.js';
import { sleep, type RateGate } from './rate-gate.js';

export interface DeliveryOptions {
  capacity: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Shared spacing per receiver (Telegram chat); none for webhooks. */
  gate?: { rate: RateGate; key: string };
  send(message: Message): Promise<Answer>;
  /** After each attempt, and once per message at its end. */
  onAttempt?(message: Message, answer: Answer, attempt: number): void;
  onEnd(message: Message, outcome: 'delivered' | 'failed' | 'dropped', answer: Answer | undefined): void;
}

export const defaultDelivery = { capacity: 200, maxAttempts: 8, backoffBaseMs: 1_000, backoffMaxMs: 120_000 };
/** Longest wait a receiver's retry_after is honoured for; past it the message waits this long. */
const maxRetryAfterMs = 15 * 60_000;

export class DeliveryQueue {
  readonly #options: DeliveryOptions;
  readonly #queue: Message[] = [];
  #sending: Promise<void> | undefined;
  readonly #stop = new AbortController();

  constructor(options: DeliveryOptions) {
    this.#options = options;
  }

  get depth(): number {
    return this.#queue.length;
  }

  /** False when the queue is full (or stopped): the message is not kept. */
  enqueue(message: Message): boolean {
    if (this.#stop.signal.aborted || this.#queue.length >= this.#options.capacity) return false;
    this.#queue.push(message);
    this.#sending ??= this.#drain().finally(() => (this.#sending = undefined));
    return true;
  }

  /** Waits up to `graceMs` for the queue to empty, then gives up on the rest (reported `dropped`). */
  async stop(graceMs: number): Promise<void> {
    if (this.#sending) {
      const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([this.#idle(), timer]);
    }
    this.#stop.abort();
    await this.#sending;
    for (const message of this.#queue.splice(0)) this.#options.onEnd(message, 'dropped', undefined);
  }

  async #idle(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && !this.#stop.signal.aborted) {
      const message = this.#queue[0] as Message;
      const outcome = await this.#deliver(message);
      if (outcome === undefined) return; // stopped mid-way: stop() reports it with the rest
      this.#queue.shift();
      this.#options.onEnd(message, outcome.ok ? 'delivered' : 'failed', outcome);
    }
  }

  async #deliver(message: Message): Promise<Answer | undefined> {
    const { gate, maxAttempts } = this.#options;
    const signal = this.#stop.signal;
    let answer: Answer | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (gate) await gate.rate.wait(gate.key, signal);
      if (signal.aborted) return undefined;
      answer = await this.#options.send(message);
      gate?.rate.sent(gate.key);
      this.#options.onAttempt?.(message, answer, attempt);
      if (answer.ok || !answer.retryable || attempt === maxAttempts) return answer;
      const wait = answer.retryAfterMs !== undefined ? Math.min(answer.retryAfterMs, maxRetryAfterMs) : this.backoff(attempt);
      if (gate && answer.retryAfterMs !== undefined) gate.rate.holdUntil(gate.key, Date.now() + wait);
      await sleep(wait, signal);
      if (signal.aborted) return undefined;
    }
    return answer;
  }

  /** Before attempt n+1: base · 2^(n−1), capped. */
  backoff(attempt: number): number {
    return Math.min(this.#options.backoffBaseMs * 2 ** (attempt - 1), this.#options.backoffMaxMs);
  }
}
