// botd checks at start that its master key opens the stored API keys: a node started with another key (a wrong
// BOTCTL_MASTER_KEY, or a home whose master.key was replaced) says so in one error line naming the keys and the
// subscriptions that trade with them, instead of failing at a live subscription's first order; `botctl doctor`
// reports it too. The real botctl stores the key, the real botd starts on it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botctl, botctlOk } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';
import { startBotd } from './botd.js';

const message = 'API keys cannot be decrypted with this master key';
let home: string;
let removeHome: () => void;
let subscriptionId: number;

const ok = (args: string[], input?: string) => botctlOk(home, args, input);

/** Starts botd, returns its start-up lines up to `botd started`, and stops it. */
async function startUp(env: Record<string, string> = {}) {
  const botd = startBotd(home, [], env);
  await botd.waitFor('its start', (line) => line.msg === 'botd started');
  botd.kill('SIGTERM');
  const exit = await botd.exit;
  expect(exit.exitCode, exit.stderr).toBe(0);
  return botd.lines;
}

describe('botd and the master key', () => {
  beforeAll(async () => {
    ({ home, remove: removeHome } = temporaryHome());
    await ok(['create', '--template', 'binance_signals_bot', '--name', 'beta']);
    await ok(['keys', 'add', 'k1', '--exchange', 'binanceusdm'], 'mk-APIKEY\nmk-SECRET-value\n');
    await ok(['keys', 'add', 'k2', '--exchange', 'binanceusdm'], 'mk2-APIKEY\nmk2-SECRET-value\n');
    const subscribed = JSON.parse(await ok(['subscribe', 'beta', '--pair', 'ETH/USDT:USDT', '--schedule', '0 0 1 1 *', '--mode', 'testnet', '--key', 'k1'])) as { id: number };
    subscriptionId = subscribed.id;
  }, 60_000);

  afterAll(() => removeHome?.());

  it('says nothing when the key opens every stored key', async () => {
    const lines = await startUp();
    expect(lines.filter((l) => l.msg === message)).toEqual([]);
  }, 60_000);

  it('names the keys and the subscriptions using them when started with another master key, and still starts', async () => {
    const lines = await startUp({ BOTCTL_MASTER_KEY: randomBytes(32).toString('base64') });
    const line = lines.find((l) => l.msg === message);
    expect(line).toMatchObject({ level: 'error', keys: ['k1', 'k2'], subscriptions: [subscriptionId] });
    expect(String(line?.reason)).toContain('master key differs');
    expect(String(line?.next)).toContain('BOTCTL_MASTER_KEY');
    // It names keys, never their secrets.
    expect(JSON.stringify(lines)).not.toMatch(/mk2?-(APIKEY|SECRET)/);
  }, 60_000);

  it('botctl doctor says the same, and fails, under another master key', async () => {
    const fine = await botctl(home, ['doctor', '--json']);
    expect((fine.json as { api_keys: unknown }).api_keys, fine.stderr).toEqual({ unopenable: [] });
    const wrong = await botctl(home, ['doctor', '--json'], { env: { BOTCTL_MASTER_KEY: randomBytes(32).toString('hex') } });
    expect(wrong.exitCode).toBe(1);
    expect((wrong.json as { api_keys: { unopenable: string[] } }).api_keys.unopenable).toEqual(['k1', 'k2']);
    const text = await botctl(home, ['doctor'], { env: { BOTCTL_MASTER_KEY: randomBytes(32).toString('hex') } });
    expect(text.stdout).toContain('API keys this master key cannot decrypt: k1, k2');
  }, 60_000);
});
