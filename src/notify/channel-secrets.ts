// What a channel needs to send, kept encrypted (AES-256-GCM under the master key, bound to the channel's name
// and kind): a webhook's URL (which often carries a token in its path) and its HMAC signing secret, or a
// Telegram bot token and chat id. Read from stdin by `botctl notify add`, never from argv.
import { invalid } from '../errors.js';

export interface WebhookSecrets {
  url: string;
  /** HMAC-SHA256 key for the X-Botctl-Signature-256 header. */
  secret: string;
}

export interface TelegramSecrets {
  token: string;
  chatId: string;
}

const maxSecret = 4096;

export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`Expected --webhook to be an http:// or https:// URL (or - to read it from stdin), got something that does not parse as a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`Expected --webhook to be an http:// or https:// URL, got a ${url.protocol} URL.`);
  }
  if (url.username || url.password) throw invalid('Expected --webhook without user:password@ (sign requests with the secret read from stdin instead).');
  return url;
}

/** The webhook's signing secret: one line on stdin, at least 16 characters. */
export function parseWebhookSecret(text: string): string {
  const secret = text.replace(/^\uFEFF/, '').trim();
  if (!secret) throw invalid('Expected the webhook signing secret on stdin (one line, e.g. `openssl rand -hex 32`), got nothing.');
  if (secret.includes('\n')) throw invalid('Expected the webhook signing secret on stdin as one line, got several.');
  if (secret.length < 16 || secret.length > maxSecret) throw invalid(`Expected the webhook signing secret to be 16-${maxSecret} characters, got ${secret.length}.`);
  return secret;
}

/** Telegram: the bot token, then the chat id (two lines), or JSON {"token": …, "chatId": …}. */
export function parseTelegramSecrets(text: string): TelegramSecrets {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed) throw invalid('Expected the Telegram bot token and chat id on stdin (two lines), got nothing.');
  let token: unknown;
  let chatId: unknown;
  if (trimmed.startsWith('{')) {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      throw invalid('Expected stdin to be JSON {"token": …, "chatId": …}, but it does not parse.');
    }
    ({ token, chatId } = value ?? {});
    if (typeof chatId === 'number') chatId = String(chatId);
  } else {
    const lines = trimmed.split(/\r?\n/).map((l) => l.trim());
    if (lines.length !== 2) throw invalid(`Expected two lines on stdin (the bot token, then the chat id), got ${lines.length}.`);
    [token, chatId] = lines;
  }
  // Messages never echo the token: it is a credential.
  if (typeof token !== 'string' || !/^\d{1,20}:[A-Za-z0-9_-]{20,200}$/.test(token)) {
    throw invalid('Expected a Telegram bot token like 123456:ABC-DEF… (digits, a colon, then letters, digits, - or _) on stdin.');
  }
  if (typeof chatId !== 'string' || !/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,63})$/.test(chatId)) {
    throw invalid('Expected a Telegram chat id (a number such as -1001234567890, or @channelname) after the token on stdin.');
  }
  return { token, chatId };
}
