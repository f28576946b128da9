// One webhook delivery: POST the JSON payload with an HMAC-SHA256 signature of the exact body bytes, under a
// timeout. Receivers verify `X-Botctl-Signature-256: sha256=<hex>` with the channel's secret (README,
// "Watching your bots"); the payload's own `id` and `time` let them drop replays.
import { createHmac } from 'node:crypto';
import { defaultRequestTimeoutMs, httpAnswer, noAnswer, retryAfterHeader, type Answer } from './answer.js';
import type { WebhookSecrets } from './channel-secrets.js';

export const signatureHeader = 'X-Botctl-Signature-256';

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export async function sendWebhook(secrets: WebhookSecrets, body: string, timeoutMs = defaultRequestTimeoutMs): Promise<Answer> {
  try {
    const response = await fetch(secrets.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'botd', [signatureHeader]: signature(secrets.secret, body) },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return httpAnswer(response.status, text, retryAfterHeader(response.headers.get('retry-after')));
  } catch (error) {
    return noAnswer(error, timeoutMs);
  }
}
