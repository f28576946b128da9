import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { maxJsonOptionBytes, readJsonOption } from '../../src/cli/json-option.js';
import { expectBotctlError } from '../support/expect-error.js';
import { temporaryHome } from '../support/home.js';

describe('readJsonOption', () => {
  const { home: dir, remove } = temporaryHome();
  afterAll(remove);

  it('parses inline JSON and @FILE relative to the working directory', () => {
    expect(readJsonOption('--config', '{"fast": 5}', dir)).toEqual({ fast: 5 });
    writeFileSync(join(dir, 'config.json'), '\uFEFF{"slow": 30}\n');
    expect(readJsonOption('--config', '@config.json', dir)).toEqual({ slow: 30 });
    expect(readJsonOption('--config', `@${join(dir, 'config.json')}`, '/')).toEqual({ slow: 30 });
    expect(readJsonOption('--config', undefined, dir)).toBeUndefined();
  });

  it('says what was expected and where parsing failed', async () => {
    await expectBotctlError(() => readJsonOption('--config', '{"fast": 5,}', dir), {
      message: /^Expected `--config` to be JSON or @FILE: .*(position \d+|not valid JSON)/,
    });
    writeFileSync(join(dir, 'broken.json'), '{fast: 5}');
    await expectBotctlError(() => readJsonOption('--risk', '@broken.json', dir), {
      message: /^Expected `--risk` to be JSON or @FILE \(file broken\.json\): /,
    });
    await expectBotctlError(() => readJsonOption('--config', '   ', dir), { message: 'Expected `--config` to be JSON or @FILE, got an empty value.' });
  });

  it('names a missing file or a directory', async () => {
    await expectBotctlError(() => readJsonOption('--config', '@nope.json', dir), { message: 'Cannot read the `--config` file "nope.json": no such file.' });
    mkdirSync(join(dir, 'folder'));
    await expectBotctlError(() => readJsonOption('--config', '@folder', dir), { message: 'it is a directory' });
  });

  it('refuses more than 64 KiB, inline or from a 10 MB file', async () => {
    const inline = JSON.stringify({ blob: 'x'.repeat(maxJsonOptionBytes) });
    await expectBotctlError(() => readJsonOption('--config', inline, dir), { message: 'Expected `--config` to be at most 64 KiB of JSON' });
    writeFileSync(join(dir, 'big.json'), JSON.stringify({ blob: 'x'.repeat(10 * 1024 * 1024) }));
    await expectBotctlError(() => readJsonOption('--config', '@big.json', dir), {
      message: 'Expected `--config` to be at most 64 KiB of JSON, got more than that in "big.json".',
    });
    // Exactly at the cap is fine.
    const exact = `{"b":"${'x'.repeat(maxJsonOptionBytes - 8)}"}`;
    expect(Buffer.byteLength(exact)).toBe(maxJsonOptionBytes);
    writeFileSync(join(dir, 'exact.json'), exact);
    expect(readJsonOption('--config', '@exact.json', dir)).toEqual({ b: 'x'.repeat(maxJsonOptionBytes - 8) });
  });
});
