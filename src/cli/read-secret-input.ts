import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { invalid } from '../errors.js';

const maxStdinBytes = 64 * 1024;

// Credentials come from stdin only. On a terminal, each is asked for without echo; piped, stdin is read
// whole (capped, so a stray `cat bigfile |` fails fast) and parsed by parseCredentials.
export async function readSecretInput(stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (stdin.isTTY) {
    const apiKey = await promptHidden('API key: ', stdin, stderr);
    const secret = await promptHidden('Secret: ', stdin, stderr);
    const password = await promptHidden('Passphrase (empty if the exchange has none): ', stdin, stderr);
    return JSON.stringify(password ? { apiKey, secret, password } : { apiKey, secret });
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    length += buffer.length;
    if (length > maxStdinBytes) throw invalid(`Expected the API key and secret on stdin, got more than ${maxStdinBytes} bytes.`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// readline writes what it echoes through `output`; a muted stream swallows it once the prompt is out.
export function promptHidden(prompt: string, input: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input, output, terminal: true });
  return new Promise((resolve, reject) => {
    rl.question(prompt, (answer) => {
      rl.close();
      stderr.write('\n');
      resolve(answer.trim());
    });
    muted = true;
    rl.once('SIGINT', () => {
      rl.close();
      stderr.write('\n');
      reject(invalid('Cancelled: no key was stored.'));
    });
  });
}
