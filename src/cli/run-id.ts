import { invalid, shown } from '../errors.js';

// A run id as typed: digits, and small enough to be one. Past 2^53 a number no longer names a single id
// ("1e+23" in messages, a silent match on nothing), so it is refused like any other bad input.
export function parseRunId(what: string, value: string | undefined): number {
  const text = (value ?? '').trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw invalid(`Expected ${what} to be a run id (a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, see \`botctl runs\`), got ${shown(value)}.`);
  }
  return n;
}
