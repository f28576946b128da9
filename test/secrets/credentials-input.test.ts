import { describe, expect, it } from 'vitest';
import { parseCredentials } from '../../src/secrets/credentials-input.js';
import { expectBotctlError } from '../support/expect-error.js';

describe('parseCredentials', () => {
  it('reads two lines, or three with a passphrase', () => {
    expect(parseCredentials('KEY\nSECRET\n')).toEqual({ apiKey: 'KEY', secret: 'SECRET' });
    expect(parseCredentials('KEY\r\nSECRET\r\nPASS\r\n')).toEqual({ apiKey: 'KEY', secret: 'SECRET', password: 'PASS' });
  });

  it('reads JSON, where a secret may be a multi-line PEM block', () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n';
    expect(parseCredentials(JSON.stringify({ apiKey: 'k', secret: pem }))).toEqual({ apiKey: 'k', secret: pem });
    expect(parseCredentials('{"apiKey":"k","secret":"s","password":""}')).toEqual({ apiKey: 'k', secret: 's' });
  });

  it.each([
    ['', 'got nothing'],
    ['ONLYONE', 'got 1'],
    ['a\nb\nc\nd', 'got 4'],
    ['{"apiKey":"k"}', 'string fields apiKey and secret'],
    ['{"apiKey":"k","secret":"s","extra":1}', 'unknown field(s) extra'],
    ['\nSECRET', 'got 1'],
    ['KEY\n \n', 'got 1'],
    [`KEY\n${'s'.repeat(9000)}`, 'at most 8192 characters'],
    ['{"apiKey":"k\\u0007","secret":"s"}', 'no control characters'],
  ])('refuses %j with exit 2', async (text, message) => {
    await expectBotctlError(() => parseCredentials(text), { message });
  });

  it('never quotes the input in its message, even when JSON does not parse', async () => {
    const error = await expectBotctlError(() => parseCredentials('{"apiKey": "k", "secret": "hunter2-secret'), { message: 'does not parse' });
    expect(error.message).not.toContain('hunter2');
  });
});
