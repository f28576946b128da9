import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ivBytes = 12;
const tagBytes = 16;

// AES-256-GCM with a fresh random 96-bit IV per message. The associated data binds a ciphertext to
// its row (the key's name and exchange), so swapping encrypted_payload between rows fails to decrypt.
// Output: base64 of iv ‖ tag ‖ ciphertext (the format documented on ApiKeysTable.encrypted_payload).
export function encrypt(masterKey: Buffer, plaintext: Buffer, associatedData: string): string {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv, { authTagLength: tagBytes });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/** Throws if the payload was altered, belongs to another row, or was sealed under another master key. */
export function decrypt(masterKey: Buffer, payload: string, associatedData: string): Buffer {
  const data = Buffer.from(payload, 'base64');
  if (data.length < ivBytes + tagBytes) throw new Error('encrypted payload is truncated');
  const decipher = createDecipheriv('aes-256-gcm', masterKey, data.subarray(0, ivBytes), { authTagLength: tagBytes });
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(data.subarray(ivBytes, ivBytes + tagBytes));
  return Buffer.concat([decipher.update(data.subarray(ivBytes + tagBytes)), decipher.final()]);
}
