import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botctl, type CliResult } from '../support/cli.js';
import { snapshotDatabase } from '../support/db-snapshot.js';
import { temporaryHome } from '../support/home.js';

// End to end: the real bin/botctl.js (compiled dist/) against a real temporary home.
// The bulk of the bad-input cases runs at handler level (test/bots, test/subscriptions, test/secrets);
// here, one or more per command, through argv, exit code, stderr and --json.

function expectError(result: CliResult, message: string | RegExp, hint?: string): void {
  expect(result.exitCode, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  if (typeof message === 'string') expect(result.stderr).toContain(message);
  else expect(result.stderr).toMatch(message);
  if (hint) expect(result.stderr).toContain(`next:  ${hint}`);
}

describe('botctl end to end', () => {
  const { home, remove } = temporaryHome();
  afterAll(remove);

  describe('the happy path', () => {
    let botId: number;
    let subId: number;

    it('templates --json lists the template files with descriptions and config fields', async () => {
      const r = await botctl(home, ['templates', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      const rows = r.json as { name: string; code_path: string; description: string; bots: number; config_fields: string[] }[];
      expect(rows.find((t) => t.name === 'simple_sma_bot')).toMatchObject({ code_path: 'bot_files/simple_sma_bot.ts', bots: 0, config_fields: expect.arrayContaining(['fast', 'slow']) as unknown });
    });

    it('create --json prints the contract keys', async () => {
      const r = await botctl(home, ['create', '--template', 'simple_sma_bot', '--name', 'sma', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.json).toEqual({ id: expect.any(Number) as number, name: 'sma', kind: 'template', template: 'simple_sma_bot', code_path: 'bot_files/simple_sma_bot.ts' });
      botId = (r.json as { id: number }).id;
    });

    it('subscribe validates and stores the config with defaults, and shows the next three runs', async () => {
      const r = await botctl(home, ['subscribe', 'sma', '--pair', 'BTC/USDT:USDT', '--schedule', '*/15 * * * *', '--config', '{"fast": 7}', '--timezone', 'Europe/Berlin']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain('Subscribed sma to BTC/USDT:USDT in paper mode');
      expect(r.stdout).toMatch(/next runs +(\d{4}-\d\d-\d\d \d\d:\d\d Europe\/Berlin \(\d\d:\d\d UTC\), ){2}/);
      expect(r.stdout).toContain('"fast":7');
      const json = await botctl(home, ['subscribe', String(botId), '--pair', 'ETH/USDT', '--schedule', '@hourly', '--name', 'eth', '--json']);
      expect(json.exitCode, json.stderr).toBe(0);
      expect(json.json).toMatchObject({ bot_id: botId, trading_pair: 'ETH/USDT', schedule: '@hourly', mode: 'paper', enabled: true, name: 'eth' });
      subId = (json.json as { id: number }).id;
    });

    it('bots, show and subscriptions report it', async () => {
      const bots = await botctl(home, ['bots', '--json']);
      expect(bots.json).toEqual([
        { id: botId, name: 'sma', developer_id: 'default', kind: 'template', code_path: 'bot_files/simple_sma_bot.ts', exchange_type: 'binanceusdm', subscriptions: 2 },
      ]);
      const show = await botctl(home, ['show', 'sma', '--json']);
      expect(show.json).toMatchObject({ id: botId, kind: 'template', config_fields: expect.arrayContaining([expect.objectContaining({ name: 'fast', type: 'integer' })]) as unknown });
      const subs = await botctl(home, ['subscriptions', '--bot', 'sma', '--json']);
      const rows = subs.json as Record<string, unknown>[];
      expect(rows).toHaveLength(2);
      for (const key of ['id', 'bot_id', 'trading_pair', 'schedule', 'mode', 'enabled', 'last_run_status', 'paused_reason']) expect(rows[0]).toHaveProperty(key);
      const table = await botctl(home, ['subscriptions']);
      expect(table.stdout).toContain('sma.BTC-USDT-USDT');
      expect(table.stdout).toContain('*/15 * * * * (Europe/Berlin)');
    });

    it('pause, resume and unsubscribe by name or id', async () => {
      const paused = await botctl(home, ['pause', 'eth', '--reason', 'maintenance', '--json']);
      expect(paused.json).toEqual({ id: subId, name: 'eth', enabled: false, paused_reason: 'maintenance', changed: true });
      expect((await botctl(home, ['subscriptions'])).stdout).toContain('paused: maintenance');
      const resumed = await botctl(home, ['resume', String(subId)]);
      expect(resumed.stdout).toContain(`Resumed subscription ${subId} (eth)`);
      const gone = await botctl(home, ['unsubscribe', 'eth', '--json']);
      expect(gone.json).toEqual({ id: subId, name: 'eth', deleted: true });
    });

    it('usage --json reports files, counts and totals', async () => {
      const r = await botctl(home, ['usage', '--json']);
      const report = r.json as { files: { code_path: string; kind: string; bots: number; subscriptions: number; bytes: number }[]; totals: Record<string, number> };
      const sma = report.files.find((f) => f.code_path === 'bot_files/simple_sma_bot.ts');
      expect(sma).toMatchObject({ kind: 'template', bots: 1, subscriptions: 1 });
      // One bot per template: nothing is shared, so nothing is saved.
      expect(report.totals).toMatchObject({ bots: 1, subscriptions: 1, bytes_saved: 0 });
      expect(Object.keys(report.totals).sort()).toEqual(['bots', 'bytes_if_copied', 'bytes_on_disk', 'bytes_saved', 'files', 'subscriptions']);
      const table = await botctl(home, ['usage']);
      expect(table.stdout).toMatch(/bytes saved by sharing +\d+/);
    });

    it('delete refuses while subscriptions exist, then removes them with --force', async () => {
      const before = snapshotDatabase(home);
      expectError(await botctl(home, ['delete', 'sma']), 'has 1 subscription(s)', `botctl subscriptions --bot ${botId}`);
      expect(snapshotDatabase(home)).toEqual(before);
      const r = await botctl(home, ['delete', 'sma', '--force', '--json']);
      expect(r.json).toEqual({ id: botId, name: 'sma', deleted: true, subscriptions_removed: 1 });
      expect((await botctl(home, ['subscriptions', '--json'])).json).toEqual([]);
    });
  });

  describe('API keys', () => {
    const secret = 'e2e-SECRET-5b0f3e9c1d7a4b2e8f6c0a9d';

    it('keys add reads key and secret from stdin; the secret never reaches the database files in clear', async () => {
      const r = await botctl(home, ['keys', 'add', 'main', '--exchange', 'binanceusdm', '--json'], { input: `e2e-APIKEY\n${secret}\n` });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.json).toMatchObject({ name: 'main', exchange: 'binanceusdm' });
      const { readdirSync, readFileSync } = await import('node:fs');
      for (const file of readdirSync(home).filter((f) => f.startsWith('botctl.db'))) {
        expect(readFileSync(join(home, file)).includes(Buffer.from(secret)), file).toBe(false);
      }
      const list = await botctl(home, ['keys', '--json']);
      expect(list.json).toEqual([{ name: 'main', exchange: 'binanceusdm', created_at: expect.any(String) as string, subscriptions: 0 }]);
      expect(list.stdout).not.toContain(secret);
    });

    it('refuses secrets on the command line, and empty stdin', async () => {
      const before = snapshotDatabase(home);
      expectError(await botctl(home, ['keys', 'add', 'k2', '--exchange', 'binanceusdm', '--secret', secret]), "unknown option '--secret'");
      expectError(await botctl(home, ['keys', 'add', 'k2', '--exchange', 'binanceusdm']), 'Expected the API key and secret on stdin');
      expect(snapshotDatabase(home)).toEqual(before);
    });

    it('testnet needs a key for the bot exchange; keys rm refuses while it is used', async () => {
      await botctl(home, ['create', '--template', 'binance_futures_bot', '--name', 'fut']);
      const before = snapshotDatabase(home);
      expectError(await botctl(home, ['subscribe', 'fut', '--pair', 'BTC/USDT:USDT', '--schedule', '@hourly', '--mode', 'testnet']), 'A testnet subscription needs `--key NAME`');
      expect(snapshotDatabase(home)).toEqual(before);
      const ok = await botctl(home, ['subscribe', 'fut', '--pair', 'BTC/USDT:USDT', '--schedule', '@hourly', '--mode', 'testnet', '--key', 'main', '--json']);
      expect(ok.exitCode, ok.stderr).toBe(0);
      const id = (ok.json as { id: number }).id;
      const mid = snapshotDatabase(home);
      expectError(await botctl(home, ['keys', 'rm', 'main']), `is used by subscription(s) ${id}`, `botctl unsubscribe ${id}`);
      expect(snapshotDatabase(home)).toEqual(mid);
      await botctl(home, ['unsubscribe', String(id)]);
      expect((await botctl(home, ['keys', 'rm', 'main', '--json'])).json).toEqual({ name: 'main', exchange: 'binanceusdm', removed: true });
    });
  });

  describe('bad input: exit 2, the message, and an unchanged database', () => {
    let before: ReturnType<typeof snapshotDatabase>;
    beforeAll(async () => {
      await botctl(home, ['create', '--template', 'simple_sma_bot', '--name', 'bad-input']);
      writeFileSync(join(home, 'ten-mb.json'), JSON.stringify({ fast: 5, padding: 'x'.repeat(10 * 1024 * 1024) }));
      before = snapshotDatabase(home);
    });

    const sub = (...extra: string[]) => ['subscribe', 'bad-input', '--pair', 'BTC/USDT', '--schedule', '@hourly', ...extra];
    const cases: [string, string[], string | RegExp, string?][] = [
      ['unknown template', ['create', '--template', 'nope', '--name', 'x'], /Unknown template "nope"\. Available templates: .*simple_sma_bot/, 'botctl templates'],
      ['duplicate bot name', ['create', '--template', 'simple_sma_bot', '--name', 'bad-input'], 'A bot named "bad-input" already exists for developer "default".', 'botctl bots'],
      ['bot name with a path separator', ['create', '--template', 'simple_sma_bot', '--name', '../evil'], 'Expected `--name` to be 1-64 characters'],
      ['bot name with control characters', ['create', '--template', 'simple_sma_bot', '--name', 'evil\u001b[2J'], 'got "evil\\u001b[2J"'],
      ['unknown bot (show)', ['show', 'ghost'], 'No bot named "ghost".', 'botctl bots'],
      ['unknown bot id (delete)', ['delete', '98765'], 'No bot with id 98765.', 'botctl bots'],
      ['unknown bot (subscribe)', ['subscribe', 'ghost', '--pair', 'BTC/USDT', '--schedule', '@hourly'], 'No bot named "ghost".'],
      ['bad cron', sub('--schedule', '61 * * * *'), 'Expected `--schedule` to be a five-field cron expression'],
      ['bad pair', ['subscribe', 'bad-input', '--pair', 'BTCUSDT', '--schedule', '@hourly'], 'Expected `--pair` to be a ccxt unified symbol'],
      ['bad time zone', sub('--timezone', 'Moon/Base'), 'Expected `--timezone` to be an IANA time zone'],
      ['malformed JSON config', sub('--config', '{"fast": 5,,}'), /Expected `--config` to be JSON or @FILE: /],
      ['schema violation', sub('--config', '{"slow": "slow"}'), 'config.slow: expected number, got "slow"'],
      ['10 MB config file', sub('--config', `@${join(home, 'ten-mb.json')}`), 'Expected `--config` to be at most 64 KiB of JSON'],
      ['risk schema violation', sub('--risk', '{"max_leverage": 0}'), 'risk.max_leverage: expected number at least 1, got 0'],
      ['unknown mode', sub('--mode', 'yolo'), 'Expected `--mode` to be one of paper, testnet, live, got "yolo".'],
      ['unknown subscription (pause)', ['pause', 'ghost'], 'No subscription named "ghost".', 'botctl subscriptions'],
      ['unknown subscription (resume)', ['resume', '4242'], 'No subscription with id 4242.'],
      ['unknown subscription (unsubscribe)', ['unsubscribe', 'ghost'], 'No subscription named "ghost".'],
      ['unknown bot filter (subscriptions)', ['subscriptions', '--bot', 'ghost'], 'No bot named "ghost".'],
      ['unknown key (keys rm)', ['keys', 'rm', 'ghost'], 'No API key named "ghost".'],
      ['missing required option', ['subscribe', 'bad-input', '--pair', 'BTC/USDT'], "required option '--schedule <cron>' not specified"],
      ['unknown command', ['frobnicate'], "unknown command 'frobnicate'"],
    ];

    it.each(cases)('%s', async (_what, args, message, hint) => {
      expectError(await botctl(home, args), message, hint);
      expect(snapshotDatabase(home)).toEqual(before);
    });

    it('--json errors are one JSON document on stderr, nothing on stdout', async () => {
      const r = await botctl(home, ['show', 'ghost', '--json']);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'not_found', message: 'No bot named "ghost".', hint: 'botctl bots' } });
      const parse = await botctl(home, [...sub('--config', '{'), '--json']);
      expect(JSON.parse(parse.stderr)).toMatchObject({ error: { code: 'invalid_input', message: expect.stringMatching(/^Expected `--config` to be JSON or @FILE/) as unknown } });
      expect(snapshotDatabase(home)).toEqual(before);
    });
  });
});
