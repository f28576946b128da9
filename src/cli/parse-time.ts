import { invalid } from '../errors.js';

/** `--since 2021-02-19`, `2021-02-19T06:00Z`, or epoch milliseconds; dates without a zone are UTC. */
export function parseTime(flag: string, value: unknown): number {
  const text = String(value ?? '').trim();
  const t = /^\d{10,}$/.test(text) ? Number(text) : Date.parse(/^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T00:00:00Z` : /T[\d:.]+$/.test(text) ? `${text}Z` : text);
  if (!text || Number.isNaN(t)) throw invalid(`Expected \`${flag}\` to be a date such as 2021-02-19 or 2021-02-19T06:00Z, or epoch milliseconds, got ${JSON.stringify(value)}.`);
  return t;
}

export function isoMinute(t: number | null | undefined): string {
  return t === null || t === undefined ? '' : new Date(t).toISOString().replace(/:00\.000Z$/, 'Z');
}
