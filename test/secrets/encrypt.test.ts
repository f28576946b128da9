import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decrypt, encrypt } from '../../src/secrets/encrypt.js';

describe('AES-256-GCM sealing', () => {
  const key = randomBytes(32);
  const plaintext = Buffer.from('{"apiKey":"k","secret":"s3cr3t"}');

  it('round-trips, with a fresh IV every time', () => {
    const a = encrypt(key, plaintext, 'main');
    const b = encrypt(key, plaintext, 'main');
    expect(a).not.toBe(b);
    expect(decrypt(key, a, 'main').equals(plaintext)).toBe(true);
    expect(Buffer.from(a, 'base64').length).toBe(12 + 16 + plaintext.length);
  });

  it('fails for another row (associated data), another master key, or a flipped bit', () => {
    const sealed = encrypt(key, plaintext, 'main');
    expect(() => decrypt(key, sealed, 'other')).toThrow();
    expect(() => decrypt(randomBytes(32), sealed, 'main')).toThrow();
    const bytes = Buffer.from(sealed, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => decrypt(key, bytes.toString('base64'), 'main')).toThrow();
    expect(() => decrypt(key, 'AAAA', 'main')).toThrow('truncated');
  });
});
