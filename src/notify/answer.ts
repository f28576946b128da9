// What a receiver answered to one delivery attempt, as the delivery queue and `botctl notify test` see it.
export interface Answer {
  ok: boolean;
  /** HTTP status, or null when no answer came (timeout, refused connection). */
  status: number | null;
  /** A short, single-line description: the receiver's words, or why there were none. Never holds a secret. */
  text: string;
  /** Worth trying again: a network error, a timeout, 408, 429 or a 5xx. */
  retryable: boolean;
  /** The receiver asked to wait this long first (Telegram's retry_after, or Retry-After). */
  retryAfterMs?: number;
}

export const defaultRequestTimeoutMs = 10_000;
const maxText = 300;

/** An answer from an HTTP response: its status and the first few hundred characters of its body. */
export function httpAnswer(status: number, body: string, retryAfterMs?: number): Answer {
  const ok = status >= 200 && status < 300;
  return {
    ok,
    status,
    text: oneLine(body) || `HTTP ${status}`,
    retryable: !ok && (status === 408 || status === 429 || status >= 500),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/** No answer: the request failed or timed out. The error's text never includes the URL (it may hold a token). */
export function noAnswer(error: unknown, timeoutMs: number): Answer {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, status: null, text: `no answer within ${timeoutMs} ms`, retryable: true };
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return { ok: false, status: null, text: `request failed${code ? ` (${code})` : ''}`, retryable: true };
}

export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > maxText ? `${line.slice(0, maxText)}…` : line;
}

/** A Retry-After header in seconds (the HTTP-date form is not used by the receivers we know): ms, or undefined. */
export function retryAfterHeader(value: string | null): number | undefined {
  if (value === null || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}
