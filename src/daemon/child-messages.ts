// What a bot sends botd over its channel, made safe to keep. Messages come from bot code, which may be
// hostile: only well-formed values reach the log tail, the ledger and the verdict.
import type { ResultMessage } from '../runtime/protocol.js';
import type { SignalInput } from '../sdk/types.js';

export function validSignal(value: unknown): SignalInput | undefined {
  if (!isPlainObject(value) || typeof value.action !== 'string' || value.action.length > 100) return undefined;
  const symbol = typeof value.symbol === 'string' ? value.symbol.slice(0, 100) : undefined;
  return { ...(value as unknown as SignalInput), ...(symbol === undefined ? {} : { symbol }) };
}

export function validResult(message: ResultMessage): ResultMessage {
  const raw = message as unknown as Record<string, unknown>;
  if (raw.ok === true) {
    return isPlainObject(raw.state) ? { type: 'result', ok: true, state: raw.state } : invalidResult('its state is not an object');
  }
  const error = isPlainObject(raw.error) ? raw.error : {};
  return {
    type: 'result',
    ok: false,
    kind: raw.kind === 'config' ? 'config' : 'error',
    error: {
      name: typeof error.name === 'string' ? error.name : 'Error',
      message: typeof error.message === 'string' ? error.message : safeJson(error.message ?? 'unknown error'),
      ...(typeof error.stack === 'string' ? { stack: error.stack } : {}),
      ...(typeof error.code === 'string' ? { code: error.code } : {}),
      ...(typeof error.permission === 'string' ? { permission: error.permission } : {}),
      ...(typeof error.resource === 'string' ? { resource: error.resource } : {}),
    },
  };
}

function invalidResult(why: string): ResultMessage {
  return { type: 'result', ok: false, kind: 'error', error: { name: 'ProtocolError', message: `the bot reported a malformed result: ${why}` } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[unserialisable fields]';
  }
}
