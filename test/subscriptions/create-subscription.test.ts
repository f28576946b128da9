import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as subscribe } from '../../src/cli/commands/subscribe.js';
import { createContext, type CommandContext } from '../../src/cli/context.js';
import type { Bot } from '../../src/db/schema.js';
import { addKey } from '../../src/secrets/keys.js';
import { describeBot } from '../../src/bots/describe-bot.js';
import { resolveBundle } from '../../src/bots/resolve-code.js';
import { createSubscription, type CreateSubscriptionInput } from '../../src/subscriptions/create-subscription.js';
import { snapshotDatabase } from '../support/db-snapshot.js';
import { expectBotctlError } from '../support/expect-error.js';
import { makeBot } from '../support/fixtures.js';
import { temporaryHome } from '../support/home.js';

describe('createSubscription', () => {
  const { home, remove } = temporaryHome();
  let context: CommandContext;
  let bot: Bot;
  const valid: CreateSubscriptionInput = { bot: 'sma', pair: 'BTC/USDT:USDT', schedule: '*/15 * * * *' };
  const db = async () => (await context.database()).db;

  beforeAll(async () => {
    context = createContext({ home });
    bot = await makeBot(await db(), 'sma');
    await addKey(await db(), home, { name: 'main', exchange: 'binanceusdm', credentials: { apiKey: 'k', secret: 's' } });
    await addKey(await db(), home, { name: 'spot', exchange: 'binance', credentials: { apiKey: 'k', secret: 's' } });
  });
  afterAll(async () => {
    await context.close();
    remove();
  });

  it('stores the config parsed by the bot schema, defaults applied, with default risk limits, paper mode and UTC', async () => {
    const { subscription, nextRuns } = await createSubscription(await db(), home, { ...valid, config: { fast: 5 } });
    expect(subscription).toMatchObject({
      bot_id: bot.id,
      name: 'sma.BTC-USDT-USDT',
      user_principal_id: 'default',
      trading_pair: 'BTC/USDT:USDT',
      schedule: '*/15 * * * *',
      timezone: 'UTC',
      mode: 'paper',
      key_name: null,
      enabled: 1,
    });
    // The template's own defaults, asked from its code the way subscribe does (templates evolve).
    const { bundle, displayName } = await resolveBundle(await db(), home, bot, null);
    const defaults = (await describeBot(bundle.path, displayName, {})).validation;
    expect(defaults?.ok).toBe(true);
    const defaultConfig = (defaults as { config: Record<string, unknown> }).config;
    expect(defaultConfig).toHaveProperty('capital_management.risk_per_trade');
    expect(JSON.parse(subscription.execution_config)).toEqual({ ...defaultConfig, fast: 5 });
    expect(JSON.parse(subscription.risk_config)).toEqual({ max_leverage: 5, max_orders_per_run: 10 });
    expect(nextRuns).toHaveLength(3);
  });

  it('numbers default names and honours --name, --user, --timezone, --risk and a live key', async () => {
    const second = await createSubscription(await db(), home, valid);
    expect(second.subscription.name).toBe('sma.BTC-USDT-USDT-2');
    const { subscription } = await createSubscription(await db(), home, {
      ...valid,
      name: 'sma-live',
      user: 'alice',
      timezone: 'europe/berlin',
      mode: 'live',
      key: 'main',
      risk: { max_leverage: 3, max_order_notional: 100 },
    });
    expect(subscription).toMatchObject({ name: 'sma-live', user_principal_id: 'alice', timezone: 'Europe/Berlin', mode: 'live', key_name: 'main' });
    expect(JSON.parse(subscription.risk_config)).toEqual({ max_leverage: 3, max_orders_per_run: 10, max_order_notional: 100 });
  });

  const bad: [string, Partial<CreateSubscriptionInput>, RegExp | string, string?][] = [
    ['an unknown bot id', { bot: '424242' }, 'No bot with id 424242.', 'botctl bots'],
    ['an unknown bot name', { bot: 'ghost' }, 'No bot named "ghost".', 'botctl bots'],
    ['a bad pair', { pair: 'BTCUSDT' }, 'Expected `--pair` to be a ccxt unified symbol'],
    ['a bad cron', { schedule: 'every 5 minutes' }, 'Expected `--schedule` to be a five-field cron expression'],
    ['a seconds field', { schedule: '*/5 * * * * *' }, 'a seconds (or year) field is not supported'],
    ['a bad time zone', { timezone: 'Mars/Olympus' }, 'Expected `--timezone` to be an IANA time zone'],
    ['a bad mode', { mode: 'real' }, 'Expected `--mode` to be one of paper, testnet, live, got "real".'],
    ['testnet without a key', { mode: 'testnet' }, 'A testnet subscription needs `--key NAME`: an API key for binanceusdm (stored: main).'],
    ['an unknown key', { mode: 'live', key: 'nope' }, 'No API key named "nope".', 'botctl keys add nope --exchange ID'],
    ['a key for another exchange', { mode: 'live', key: 'spot' }, 'API key "spot" is for binance, but bot sma trades on binanceusdm.', 'botctl keys add NAME --exchange binanceusdm'],
    ['a name with a path separator', { name: 'a/b' }, 'Expected `--name` to be 1-64 characters'],
    ['a name with control characters', { name: 'a\u001b[31mb' }, 'Expected `--name` to be 1-64 characters'],
    ['a taken name', { name: 'sma-live' }, 'A subscription named "sma-live" already exists.'],
    ['a user with a newline', { user: 'al\nice' }, 'Expected `--user` to be 1-64 characters'],
    ['a risk limit of the wrong type', { risk: { max_leverage: '10x' } }, 'risk.max_leverage: expected number, got "10x"'],
    ['a config field of the wrong type', { config: { fast: 'fast' } }, /config schema of bot sma \(bot_files\/simple_sma_bot\.ts\):\n {2}config\.fast: expected number, got "fast"/],
    ['a nested config field out of range', { config: { capital_management: { risk_per_trade: 250 } } }, 'config.capital_management.risk_per_trade: expected number at most 100, got 250'],
    ['a config that is not an object', { config: [1, 2] }, /config: expected object, got \[1,2\]/],
    ['a misspelt config field the schema would drop', { config: { fats: 5 } }, /does not know:\n {2}config\.fats: expected no such field, got 5/],
  ];

  it.each(bad)('refuses %s: exit 2, the message, nothing written', async (_what, change, message, hint) => {
    const before = snapshotDatabase(home);
    await expectBotctlError(createSubscription(await db(), home, { ...valid, ...change }), { message, ...(hint ? { hint } : {}) });
    expect(snapshotDatabase(home)).toEqual(before);
  });

  it('testnet without any key for the exchange names `botctl keys add`', async () => {
    const futures = await makeBot(await db(), 'okx-bot', { exchange: 'okx' });
    const before = snapshotDatabase(home);
    await expectBotctlError(createSubscription(await db(), home, { ...valid, bot: String(futures.id), mode: 'testnet' }), {
      message: 'an API key for okx, and none is stored yet',
      hint: 'botctl keys add NAME --exchange okx',
    });
    expect(snapshotDatabase(home)).toEqual(before);
  });

  describe('through the subscribe command', () => {
    it('refuses malformed --config JSON with exit 2 and where it failed', async () => {
      const before = snapshotDatabase(home);
      await expectBotctlError(subscribe(context, ['sma'], { pair: 'BTC/USDT', schedule: '@hourly', config: '{"fast": }' }), {
        message: /^Expected `--config` to be JSON or @FILE: /,
      });
      await expectBotctlError(subscribe(context, ['sma'], { pair: 'BTC/USDT', schedule: '@hourly', risk: 'max_leverage=3' }), {
        message: /^Expected `--risk` to be JSON or @FILE: /,
      });
      expect(snapshotDatabase(home)).toEqual(before);
    });

    it('refuses a 10 MB config file with exit 2, leaving the database as it was', async () => {
      const file = join(home, 'huge.json');
      writeFileSync(file, JSON.stringify({ fast: 5, padding: 'x'.repeat(10 * 1024 * 1024) }));
      const before = snapshotDatabase(home);
      await expectBotctlError(subscribe(context, ['sma'], { pair: 'BTC/USDT', schedule: '@hourly', config: `@${file}` }), {
        message: 'Expected `--config` to be at most 64 KiB of JSON, got more than that in',
      });
      expect(snapshotDatabase(home)).toEqual(before);
    });

    it('returns the contract keys plus the next runs', async () => {
      const result = await subscribe(context, ['sma'], { pair: 'ETH/USDT', schedule: '0 * * * *', config: '{"slow": 50}', name: 'eth-hourly' });
      expect(result).toMatchObject({ bot_id: bot.id, trading_pair: 'ETH/USDT', schedule: '0 * * * *', mode: 'paper', enabled: true, name: 'eth-hourly' });
      expect(result.execution_config).toMatchObject({ slow: 50, fast: 9 });
      expect(result.next_runs).toHaveLength(3);
      expect(result.next_runs.every((t) => t.endsWith(':00:00.000Z'))).toBe(true);
    });
  });
});
