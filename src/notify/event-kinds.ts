// The kinds of event a channel can subscribe to with `--on`. Each botd event maps to exactly one kind
// (src/notify/notice.ts); the filter is stored as a comma list in notify_channels.events.
import { invalid, shown } from '../errors.js';

export const eventKinds = ['fill', 'reject', 'failure', 'paused', 'daemon', 'backlog'] as const;
export type EventKind = (typeof eventKinds)[number];

export function isEventKind(value: string): value is EventKind {
  return (eventKinds as readonly string[]).includes(value);
}

/** `--on fill,failure` → ['fill', 'failure'] (deduplicated, in the canonical order); undefined → every kind. */
export function parseEventKinds(text: string | undefined): EventKind[] {
  if (text === undefined) return [...eventKinds];
  const words = text.split(',').map((w) => w.trim()).filter(Boolean);
  const unknown = words.filter((w) => !isEventKind(w));
  if (words.length === 0 || unknown.length) {
    throw invalid(`Expected --on to be a comma list of ${eventKinds.join(', ')}; got ${shown(text)}.`);
  }
  return eventKinds.filter((k) => words.includes(k));
}
