// `botctl notify add` reads a channel's secrets like `keys add` reads API keys: from stdin, never argv. On a
// terminal each is asked for without echo; piped, stdin is read whole (capped).
import { invalid } from '../errors.js';
import { promptHidden } from './read-secret-input.js';

const maxStdinBytes = 16 * 1024;

export async function readChannelSecrets(kind: 'webhook' | 'webhook-url' | 'telegram', stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (stdin.isTTY) {
    if (kind === 'webhook-url') {
      const url = await promptHidden('Webhook URL: ', stdin, stderr);
      return `${url}\n${await promptHidden('Signing secret (the receiver verifies requests with it): ', stdin, stderr)}`;
    }
    if (kind === 'webhook') return promptHidden('Signing secret (the receiver verifies requests with it): ', stdin, stderr);
    const token = await promptHidden('Telegram bot token: ', stdin, stderr);
    const chatId = await promptHidden('Chat id: ', stdin, stderr);
    return `${token}\n${chatId}`;
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    length += buffer.length;
    if (length > maxStdinBytes) throw invalid(`Expected the channel's secrets on stdin, got more than ${maxStdinBytes} bytes.`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
