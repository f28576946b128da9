// One Telegram message through the Bot API's sendMessage. The base URL is a setting (BOTCTL_TELEGRAM_API_URL)
// so tests can point it at a fake on 127.0.0.1. A 429 carries `parameters.retry_after` (seconds): the delivery
// queue waits that long before trying again. The request URL holds the bot token, so it never reaches an
// answer, a log line or an error message.
import { defaultRequestTimeoutMs, httpAnswer, noAnswer, oneLine, type Answer } from './answer.js';
import type { TelegramSecrets } from './channel-secrets.js';

export const defaultTelegramApiUrl = 'https://api.telegram.org';

export function telegramApiUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.BOTCTL_TELEGRAM_API_URL || defaultTelegramApiUrl).replace(/\/+$/, '');
}

interface BotApiReply {
  ok?: boolean;
  description?: string;
  parameters?: { retry_after?: number };
}

export async function sendTelegram(secrets: TelegramSecrets, text: string, options: { apiUrl?: string; timeoutMs?: number } = {}): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? defaultRequestTimeoutMs;
  const url = `${options.apiUrl ?? telegramApiUrl()}/bot${secrets.token}/sendMessage`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: secrets.chatId, text, disable_web_page_preview: true }),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.text();
    let reply: BotApiReply = {};
    try {
      reply = JSON.parse(body) as BotApiReply;
    } catch {
      // Not the Bot API's JSON (a proxy's error page): the status says enough.
    }
    const retryAfter = reply.parameters?.retry_after;
    const answer = httpAnswer(response.status, reply.description ?? (reply.ok ? 'ok' : oneLine(body)), typeof retryAfter === 'number' && retryAfter >= 0 ? retryAfter * 1000 : undefined);
    // The token may appear in an echoed URL of an error page: never pass it on.
    return { ...answer, text: answer.text.split(secrets.token).join('<token>') };
  } catch (error) {
    return noAnswer(error, timeoutMs);
  }
}
