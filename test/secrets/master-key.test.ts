import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-root.js';
import { loadMasterKey } from '../../src/secrets/master-key.js';
import { expectBotctlError } from '../support/expect-error.js';
import { useTemporaryHomes } from '../support/home.js';

describe('loadMasterKey', () => {
  const fresh = useTemporaryHomes();
  afterEach(() => {
    delete process.env.BOTCTL_MASTER_KEY;
  });

  it('creates a 32-byte key in a 0600 file on first use, then reuses it', () => {
    const home = fresh();
    const key = loadMasterKey(home, { create: true });
    expect(key.length).toBe(32);
    const path = join(home, 'master.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadMasterKey(home).equals(key)).toBe(true);
    // No temporary files left behind.
    expect(readdirSync(home)).toEqual(['master.key']);
  });

  it('does not create a key unless asked to', async () => {
    const home = fresh();
    await expectBotctlError(() => loadMasterKey(home), { exitCode: 1, message: 'No master key' });
    expect(existsSync(join(home, 'master.key'))).toBe(false);
  });

  it('refuses a key file that group or others can read', async () => {
    const home = fresh();
    loadMasterKey(home, { create: true });
    const path = join(home, 'master.key');
    chmodSync(path, 0o644);
    await expectBotctlError(() => loadMasterKey(home), { exitCode: 1, message: 'its permissions are 0644', hint: `chmod 600 ${path}` });
  });

  it('takes BOTCTL_MASTER_KEY as base64 or hex, and refuses anything else', async () => {
    const home = fresh();
    const key = Buffer.alloc(32, 7);
    process.env.BOTCTL_MASTER_KEY = key.toString('base64');
    expect(loadMasterKey(home, { create: true }).equals(key)).toBe(true);
    process.env.BOTCTL_MASTER_KEY = key.toString('hex');
    expect(loadMasterKey(home).equals(key)).toBe(true);
    expect(existsSync(join(home, 'master.key'))).toBe(false);
    process.env.BOTCTL_MASTER_KEY = 'too-short';
    await expectBotctlError(() => loadMasterKey(home), { exitCode: 1, message: 'BOTCTL_MASTER_KEY must hold a 32-byte key' });
  });

  it('refuses a corrupt key file', async () => {
    const home = fresh();
    writeFileSync(join(home, 'master.key'), 'garbage\n', { mode: 0o600 });
    await expectBotctlError(() => loadMasterKey(home), { exitCode: 1, message: 'must hold a 32-byte key' });
  });

  it('gives five processes racing on a fresh home one and the same key', async () => {
    const home = fresh();
    const module = join(packageRoot, 'dist/src/secrets/master-key.js');
    const script = `const { loadMasterKey } = await import(${JSON.stringify(module)}); process.stdout.write(loadMasterKey(process.argv[1], { create: true }).toString('hex'));`;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => execa(process.execPath, ['--input-type=module', '-e', script, home], { extendEnv: false, env: { PATH: process.env.PATH ?? '' } })),
    );
    const keys = new Set(results.map((r) => r.stdout));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toBe(Buffer.from(readFileSync(join(home, 'master.key'), 'utf8').trim(), 'base64').toString('hex'));
    expect(readdirSync(home)).toEqual(['master.key']);
  });
});
