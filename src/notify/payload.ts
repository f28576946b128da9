// What goes over the wire: one message per notice, or one summary for a burst. The webhook body is JSON with a
// `version` (README, "Watching your bots": bump it only when a field changes meaning or goes away); Telegram
// gets `text`. A message keeps its id across retries, so a receiver can drop a repeat.
import { randomUUID } from 'node:crypto';
import type { EventKind } from './event-kinds.js';
import type { Notice } from './notice.js';

export const payloadVersion = 1;
/** Notices of one kind a summary carries in full; the rest are counted. */
export const summarySample = 5;

export interface Message {
  kind: EventKind;
  text: string;
  payload: Record<string, unknown>;
}

export function singleMessage(notice: Notice): Message {
  return {
    kind: notice.kind,
    text: notice.text,
    payload: { version: payloadVersion, id: randomUUID(), time: notice.time, event: notice.event, kind: notice.kind, text: notice.text, ...notice.fields },
  };
}

const summaryWords: Record<EventKind, string> = {
  fill: 'orders filled',
  reject: 'orders refused by the risk guard',
  failure: 'runs failed, timed out or crashed',
  paused: 'subscriptions paused',
  daemon: 'botd events',
  backlog: 'backlog warnings',
};

const summaryCommand: Record<EventKind, string> = {
  fill: 'botctl orders --limit 50',
  reject: 'botctl orders --limit 50',
  failure: 'botctl runs --limit 50',
  paused: 'botctl subscriptions',
  daemon: 'journalctl -u botd',
  backlog: 'botctl runs --limit 50',
};

/** One message for `count` notices of a kind, of which `sample` are the first few. */
export function summaryMessage(kind: EventKind, count: number, sample: Notice[], from: string, to: string): Message {
  const seconds = Math.max(1, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  const subscriptions = new Set(sample.map((n) => n.subscriptionId).filter((id) => id !== null));
  const lines = sample.map((n) => `• ${n.text.split('\n', 1)[0]}`);
  const more = count - sample.length;
  const text = [
    `${count} ${summaryWords[kind]} within ${seconds} s:`,
    ...lines,
    ...(more > 0 ? [`… and ${more} more`] : []),
    `more: ${summaryCommand[kind]}`,
  ].join('\n');
  return {
    kind,
    text,
    payload: {
      version: payloadVersion,
      id: randomUUID(),
      time: to,
      event: 'summary',
      kind,
      text,
      summary: { count, from, to, subscriptions_in_sample: subscriptions.size, sample: sample.map((n) => ({ event: n.event, time: n.time, text: n.text, ...n.fields })) },
      command: summaryCommand[kind],
    },
  };
}
