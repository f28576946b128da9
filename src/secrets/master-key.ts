import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { BotctlError } from '../errors.js';
import { ensureHome, homePaths } from '../home.js';

const keyBytes = 32;

// The 32-byte key that encrypts API keys. From BOTCTL_MASTER_KEY (base64 or hex) when set, else from
// <home>/master.key, created on first use. The database never holds it, so a copied botctl.db alone
// reveals no secret.
export function loadMasterKey(home: string, options: { create?: boolean } = {}): Buffer {
  const fromEnv = process.env.BOTCTL_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return decodeKey(fromEnv.trim(), 'BOTCTL_MASTER_KEY');
  const path = homePaths(home).masterKey;
  const existing = readKeyFile(path);
  if (existing) return existing;
  if (!options.create) {
    throw new BotctlError('runtime_failure', `No master key: ${path} does not exist and BOTCTL_MASTER_KEY is not set.`, {
      hint: 'restore master.key from your backup, or set BOTCTL_MASTER_KEY',
    });
  }
  return createKeyFile(home, path);
}

function createKeyFile(home: string, path: string): Buffer {
  ensureHome(home);
  const key = randomBytes(keyBytes);
  // Written in full to a private temporary file, then hard-linked into place: link() fails if master.key
  // exists, so of several processes starting at once exactly one key wins and nobody reads a half file.
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = readKeyFile(path);
    if (!winner) throw error;
    return winner;
  } finally {
    unlinkSync(temporary);
  }
}

function readKeyFile(path: string): Buffer | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // Like ssh with a private key: a key others can read is refused rather than used.
  if ((mode & 0o077) !== 0) {
    throw new BotctlError(
      'runtime_failure',
      `Refusing to use ${path}: its permissions are ${(mode & 0o777).toString(8).padStart(4, '0')}, but a master key must be readable by its owner only.`,
      { hint: `chmod 600 ${path}` },
    );
  }
  return decodeKey(readFileSync(path, 'utf8').trim(), path);
}

function decodeKey(text: string, origin: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  // 32 bytes are 43 base64 characters and one '=' of padding (standard or URL-safe alphabet).
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return Buffer.from(text, 'base64');
  throw new BotctlError('runtime_failure', `${origin} must hold a 32-byte key as base64 or 64 hex digits.`, {
    hint: 'generate one with: openssl rand -base64 32',
  });
}
