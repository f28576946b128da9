import { invalid } from '../errors.js';
import { hasControlChars } from '../text/control-chars.js';

export interface Credentials {
  apiKey: string;
  secret: string;
  /** The passphrase some exchanges (OKX, KuCoin, …) add; ccxt calls it `password`. */
  password?: string;
}

const maxField = 8192;

// What `botctl keys add` reads on stdin: either JSON {"apiKey": …, "secret": …[, "password": …]} or
// lines: the API key, then the secret[, then the passphrase]. Never from argv: argv is visible in ps
// and shell history.
export function parseCredentials(text: string): Credentials {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed) throw invalid('Expected the API key and secret on stdin (two lines, or JSON {"apiKey": …, "secret": …}), got nothing.');
  if (trimmed.startsWith('{')) return fromJson(trimmed);
  const lines = trimmed.split(/\r?\n/).map((line) => line.trim());
  if (lines.length < 2 || lines.length > 3) {
    throw invalid(`Expected two lines on stdin (the API key, then the secret; a third for a passphrase), got ${lines.length}.`);
  }
  const [apiKey = '', secret = '', password] = lines;
  return credentials(apiKey, secret, password);
}

function fromJson(text: string): Credentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // The message would quote the input, and the input is a secret: say where, not what.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw invalid(`Expected stdin to be JSON {"apiKey": …, "secret": …}, but it does not parse${position ? ` (at position ${position})` : ''}.`);
  }
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const { apiKey, secret, password } = record;
  const extra = Object.keys(record).filter((k) => !['apiKey', 'secret', 'password'].includes(k));
  if (typeof apiKey !== 'string' || typeof secret !== 'string' || (password !== undefined && typeof password !== 'string') || extra.length) {
    throw invalid(
      `Expected stdin JSON with string fields apiKey and secret (and optionally password)${extra.length ? `, got unknown field(s) ${extra.join(', ')}` : ''}.`,
    );
  }
  return credentials(apiKey, secret, password);
}

function credentials(apiKey: string, secret: string, password: string | undefined): Credentials {
  check('API key', apiKey, true);
  check('secret', secret, false);
  if (password !== undefined && password !== '') {
    check('passphrase', password, true);
    return { apiKey, secret, password };
  }
  return { apiKey, secret };
}

// Messages never echo the value: it is a credential.
function check(what: string, value: string, singleLine: boolean): void {
  if (!value.trim()) throw invalid(`Expected a non-empty ${what} on stdin.`);
  if (value.length > maxField) throw invalid(`Expected the ${what} to be at most ${maxField} characters, got ${value.length}.`);
  // Secrets may be PEM blocks (multi-line) in JSON form; nothing else may hold control characters.
  if (hasControlChars(value, { allowNewlines: !singleLine })) throw invalid(`Expected the ${what} to contain no control characters.`);
}
