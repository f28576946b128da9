// Bad input that used to be accepted or to fail with exit 1: each case now exits 2 with a precise message
// and leaves the database exactly as it was.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exchangeIds } from '../../src/bots/exchange-ids.js';
import { botctl } from '../support/cli.js';
import { snapshotDatabase } from '../support/db-snapshot.js';
import { useTemporaryHomes } from '../support/home.js';

const freshHome = useTemporaryHomes();

describe('bad input exits 2 and writes nothing', () => {
  let home: string;
  beforeAll(async () => {
    home = freshHome();
    expect((await botctl(home, ['create', '--template', 'binance_futures_rpa_bot', '--name', 'fut'])).exitCode).toBe(0);
  });

  async function refused(args: string[], message: RegExp | string, input?: string) {
    const before = snapshotDatabase(home);
    const result = await botctl(home, args, input === undefined ? {} : { input });
    expect(result.exitCode, result.stderr).toBe(2);
    if (typeof message === 'string') expect(result.stderr).toContain(message);
    else expect(result.stderr).toMatch(message);
    expect(snapshotDatabase(home)).toEqual(before);
  }

  const subscribe = ['subscribe', 'fut', '--pair', 'BTC/USDT:USDT', '--schedule', '*/15 * * * *'];

  it('JSON nested 8,000 levels deep, inline or from a file', async () => {
    const deep = `${'['.repeat(8_000)}${']'.repeat(8_000)}`;
    await refused([...subscribe, '--config', deep], 'Expected `--config` to be JSON nested at most 64 levels deep, got 8000 levels.');
    const file = join(home, 'deep.json');
    writeFileSync(file, `{"a":${'{"b":'.repeat(7_999)}1${'}'.repeat(8_000)}`);
    await refused([...subscribe, '--risk', `@${file}`], /Expected `--risk` to be JSON nested at most 64 levels deep \(file .*deep\.json\), got 8000 levels\./);
    // Brackets inside strings are text, not nesting.
    const result = await botctl(home, [...subscribe, '--name', 'brackets', '--config', JSON.stringify({ leverage: 2, note: '['.repeat(100) })]);
    expect(result.stderr).not.toMatch(/levels deep/);
  });

  it('an exchange id ccxt does not know, in create and keys add (before the secret is read)', async () => {
    await refused(['create', '--template', 'binance_futures_rpa_bot', '--name', 'x', '--exchange', 'notanexchange'], /Expected `--exchange` to be one of ccxt [\d.]+'s \d+ exchange ids \(such as binanceusdm\), got "notanexchange"\./);
    await refused(['keys', 'add', 'k', '--exchange', 'notanexchange'], 'got "notanexchange"', 'apikey\nsecret\n');
  });

  it('a leverage above the subscription’s max_leverage', async () => {
    await refused([...subscribe, '--config', '{"leverage":125}'], "Expected `--config` leverage to be at most the subscription's max_leverage 5, got 125");
    await refused([...subscribe, '--config', '{"leverage":10}', '--risk', '{"max_leverage":8}'], 'max_leverage 8, got 10');
    // Within the limit it is accepted.
    expect((await botctl(home, [...subscribe, '--name', 'lev', '--config', '{"leverage":10}', '--risk', '{"max_leverage":10}'])).exitCode).toBe(0);
  });

  it('a run id too large to be one', async () => {
    const huge = '100000000000000000000000';
    await refused(['orders', '--run', huge], `Expected \`--run\` to be a run id (a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, see \`botctl runs\`), got "${huge}".`);
    await refused(['logs', huge], `Expected RUN to be a run id (a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`);
    await refused(['logs', '0'], 'Expected RUN to be a run id');
  });

  it('--home pointing to a file', async () => {
    const file = join(home, 'not-a-folder');
    writeFileSync(file, '');
    const result = await botctl(home, ['--home', file, 'bots']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`Expected --home to be a folder, got ${file}, which is a file (or lies under one).`);
    const under = await botctl(home, ['--home', join(file, 'sub'), 'bots']);
    expect(under.exitCode).toBe(2);
  });

  it('the build-time exchange list is ccxt’s own', () => {
    const ccxt = createRequire(import.meta.url)('ccxt') as { exchanges: string[] };
    expect([...exchangeIds]).toEqual([...ccxt.exchanges].sort());
  });
});
