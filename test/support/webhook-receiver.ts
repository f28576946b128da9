// A real HTTP receiver on 127.0.0.1 for webhook tests: records each request, checks its HMAC-SHA256 signature
// with the channel's secret the way a receiver should (over the raw body, constant-time), and answers with the
// next status from a script (then 200).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface Received {
  body: string;
  json: Record<string, unknown>;
  signatureValid: boolean;
  status: number;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

export async function webhookReceiver(secret: string, statuses: number[] = []): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const script = [...statuses];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = String(req.headers['x-botctl-signature-256'] ?? '');
      const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const signatureValid = header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
      const status = script.shift() ?? 200;
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // recorded as-is
      }
      received.push({ body, json, signatureValid, status, at: Date.now() });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'thanks' : 'receiver is down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks/botd?token=abc`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
