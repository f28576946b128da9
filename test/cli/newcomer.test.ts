// What a newcomer meets first: subscriptions found by the name the README uses, near matches for a typo,
// a checked <home>/config.json, and a paper run that cannot reach the exchange saying how to run offline.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botctl, type CliResult } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';
import { unreachableEndpoint } from '../support/ports.js';

const { home, remove } = temporaryHome();
afterAll(remove);
const offline = { BOTCTL_MARKET_DATA: 'recorded' };

function ok(r: CliResult): unknown {
  expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r.json;
}

beforeAll(async () => {
  ok(await botctl(home, ['create', '--template', 'binance_futures_bot', '--name', 'btc-trend']));
  ok(await botctl(home, ['subscribe', 'btc-trend', '--pair', 'BTC/USDT:USDT', '--schedule', '*/15 * * * *']));
});

describe('subscription names', () => {
  it('accepts the default name written with the pair as given, and the sanitized one', async () => {
    const asTyped = ok(await botctl(home, ['pause', 'btc-trend.BTC/USDT:USDT', '--json'])) as { name: string; enabled: boolean };
    expect(asTyped).toMatchObject({ name: 'btc-trend.BTC-USDT-USDT', enabled: false });
    ok(await botctl(home, ['resume', 'btc-trend.BTC-USDT-USDT']));
  });

  it('suggests near matches for an unknown subscription or bot name', async () => {
    const typo = await botctl(home, ['run', 'btc-trend.BTC/USDT']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain('No subscription named "btc-trend.BTC/USDT". Did you mean "btc-trend.BTC-USDT-USDT"?');
    const bot = await botctl(home, ['show', 'btc-trnd']);
    expect(bot.exitCode).toBe(2);
    expect(bot.stderr).toContain('No bot named "btc-trnd". Did you mean "btc-trend"?');
    const nothingClose = await botctl(home, ['pause', 'zzzzzzzz']);
    expect(nothingClose.stderr).toContain('No subscription named "zzzzzzzz".');
    expect(nothingClose.stderr).not.toContain('Did you mean');
  });
});

describe('<home>/config.json', () => {
  it('refuses an unknown key, naming the file and the known keys, before anything runs', async () => {
    const file = join(home, 'config.json');
    writeFileSync(file, '{"ofline": true}');
    try {
      const r = await botctl(home, ['run', 'btc-trend.BTC-USDT-USDT', '--json'], { env: offline });
      expect(r.exitCode).toBe(2);
      expect(JSON.parse(r.stderr)).toMatchObject({
        error: { code: 'invalid_input', message: `${file}: unknown key "ofline" (did you mean "offline"?); known keys: offline, market_data.` },
      });
      expect(ok(await botctl(home, ['runs', '--json']))).toEqual([]);
      writeFileSync(file, '{"offline": "yes"}');
      const wrongType = await botctl(home, ['run', 'btc-trend.BTC-USDT-USDT']);
      expect(wrongType.exitCode).toBe(2);
      expect(wrongType.stderr).toContain(`${file}: expected \`offline\` to be true or false, got "yes".`);
      writeFileSync(file, '{"offline": true');
      const broken = await botctl(home, ['run', 'btc-trend.BTC-USDT-USDT']);
      expect(broken.exitCode).toBe(2);
      expect(broken.stderr).toContain(`${file} is not valid JSON`);
      // The right key runs paper mode on the recorded candles, no variable needed.
      writeFileSync(file, '{"offline": true}');
      expect(ok(await botctl(home, ['run', 'btc-trend.BTC-USDT-USDT', '--json']))).toMatchObject({ status: 'succeeded' });
    } finally {
      writeFileSync(file, '{}');
    }
  });
});

describe('a paper run without the network', () => {
  it('fails naming the cause and how to run offline', async () => {
    const r = await botctl(home, ['run', 'btc-trend.BTC-USDT-USDT', '--json'], { env: { BOTCTL_EXCHANGE_REDIRECT: await unreachableEndpoint(), BOTCTL_MARKET_DATA: 'exchange' } });
    expect(r.exitCode).toBe(1);
    const run = r.json as { status: string; error: string };
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^NetworkError: /);
    expect(run.error).toContain('offline? BOTCTL_MARKET_DATA=recorded (or {"offline": true} in <home>/config.json)');
  });
});
