// Bursts become summaries. Notices are held for a short window (extended while more keep coming, up to a cap);
// then, per kind, a few make one message each and more make a single summary. 500 runs failing in one slot
// are one message, not 500: Telegram allows about one per second per chat, so 500 would take eight minutes
// and bury the next message that matters. Memory is bounded: past the sample, notices are only counted.
import { eventKinds, type EventKind } from './event-kinds.js';
import { singleMessage, summaryMessage, summarySample, type Message } from './payload.js';
import type { Notice } from './notice.js';

export interface CoalescerOptions {
  /** Quiet time after the latest notice before a flush. */
  windowMs: number;
  /** A flush happens at the latest this long after the first notice held. */
  maxWindowMs: number;
  /** Up to this many notices of a kind go out one by one; more make one summary. */
  individualMax: number;
  flush(messages: Message[]): void;
}

export const defaultCoalescing = { windowMs: 2_000, maxWindowMs: 10_000, individualMax: 3 };

interface Group {
  count: number;
  sample: Notice[];
  first: string;
  last: string;
}

export class Coalescer {
  readonly #options: CoalescerOptions;
  #groups = new Map<EventKind, Group>();
  #timer: NodeJS.Timeout | undefined;
  #firstAt = 0;

  constructor(options: CoalescerOptions) {
    this.#options = options;
  }

  add(notice: Notice): void {
    const group = this.#groups.get(notice.kind) ?? { count: 0, sample: [], first: notice.time, last: notice.time };
    group.count++;
    group.last = notice.time;
    if (group.sample.length < Math.max(summarySample, this.#options.individualMax)) group.sample.push(notice);
    this.#groups.set(notice.kind, group);
    const now = Date.now();
    if (!this.#timer) this.#firstAt = now;
    clearTimeout(this.#timer);
    const delay = Math.min(this.#options.windowMs, this.#firstAt + this.#options.maxWindowMs - now);
    this.#timer = setTimeout(() => this.flush(), Math.max(0, delay)).unref();
  }

  get pending(): number {
    let n = 0;
    for (const group of this.#groups.values()) n += group.count;
    return n;
  }

  /** Sends what is held now (also at shutdown). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const groups = this.#groups;
    this.#groups = new Map();
    const messages: Message[] = [];
    for (const kind of eventKinds) {
      const group = groups.get(kind);
      if (!group) continue;
      if (group.count <= this.#options.individualMax) messages.push(...group.sample.map(singleMessage));
      else messages.push(summaryMessage(kind, group.count, group.sample.slice(0, summarySample), group.first, group.last));
    }
    if (messages.length) this.#options.flush(messages);
  }
}
