// A fake Telegram Bot API on 127.0.0.1 (botd's BOTCTL_TELEGRAM_API_URL points here): POST /bot<token>/sendMessage
// answers like the real one, 429 with parameters.retry_after for the first `tooManyRequests` calls.
import { createServer, type Server } from 'node:http';

export interface TelegramCall {
  token: string;
  chatId: unknown;
  text: string;
  status: number;
  at: number;
}

export interface FakeTelegram {
  url: string;
  calls: TelegramCall[];
  close(): Promise<void>;
}

export async function fakeTelegram(options: { tooManyRequests?: number; retryAfterS?: number; token?: string } = {}): Promise<FakeTelegram> {
  const calls: TelegramCall[] = [];
  let refuse = options.tooManyRequests ?? 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/bot([^/]+)\/sendMessage$/.exec(req.url ?? '');
      const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (!match || req.method !== 'POST') return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
      const token = decodeURIComponent(match[1] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { chat_id?: unknown; text?: string };
      let status = 200;
      if (options.token && token !== options.token) status = 401;
      else if (refuse > 0) {
        refuse--;
        status = 429;
      }
      calls.push({ token, chatId: body.chat_id, text: body.text ?? '', status, at: Date.now() });
      if (status === 401) return reply(401, { ok: false, error_code: 401, description: 'Unauthorized' });
      if (status === 429) {
        const retryAfter = options.retryAfterS ?? 1;
        return reply(429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } });
      }
      return reply(200, { ok: true, result: { message_id: calls.length, chat: { id: body.chat_id }, text: body.text } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
