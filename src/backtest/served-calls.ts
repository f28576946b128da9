// A backtest's calls as the child's engine served them (runtime/local-exchange.ts) and as the parent serves them
// again: both sides reduce an outcome to the same few fields, and any difference between them is a divergence. The
// child's side is the bot's process: a bot could forge its batch as well as bend its engine, but then it fools only
// itself, as the report is made from the parent's book, which served the calls the batch names.
import { hash } from 'node:crypto';
import type { ServedCall } from '../runtime/protocol.js';

export type Outcome = Pick<ServedCall, 'answer' | 'error'>;

/** What a call came to: a digest of the answer's JSON (as the channel would carry it), or the error's name and message. */
export async function outcomeOf(serve: () => Promise<unknown>): Promise<{ outcome: Outcome; json: string | undefined }> {
  try {
    const json = JSON.stringify(await serve());
    return { outcome: { answer: json === undefined ? '' : hash('sha256', json, 'base64') }, json };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return { outcome: { error: { name: e.name, message: e.message } }, json: undefined };
  }
}

export function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.error || b.error) return a.error?.name === b.error?.name && a.error?.message === b.error?.message;
  return a.answer === b.answer;
}

/** The arguments of a record from the child, or undefined when they are not a JSON array. */
export function argsOf(call: ServedCall): unknown[] | undefined {
  try {
    const args: unknown = JSON.parse(call.args);
    return Array.isArray(args) ? args : undefined;
  } catch {
    return undefined;
  }
}

/** A record from the child in the shape the parent serves: anything else is refused before it reaches the book. */
export function isServedCall(value: unknown): value is ServedCall {
  const c = value as Partial<ServedCall> | null;
  return (
    typeof c === 'object' && c !== null && Number.isSafeInteger(c.slot) && (c.slot as number) >= 0 && Number.isFinite(c.at) &&
    typeof c.method === 'string' && typeof c.args === 'string' &&
    (typeof c.answer === 'string' || (typeof c.error === 'object' && c.error !== null && typeof c.error.name === 'string' && typeof c.error.message === 'string'))
  );
}
