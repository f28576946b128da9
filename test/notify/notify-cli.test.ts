import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botctl } from '../support/cli.js';
import { fakeTelegram, type FakeTelegram } from '../support/fake-telegram.js';
import { temporaryHome } from '../support/home.js';
import { webhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

// `botctl notify …` end to end: the real bin against a real home, a real HTTP receiver and a fake Bot API.
const secret = 'whsec-0123456789abcdef';
const token = '123456:AAbbCCddEEffGGhhIIjjKKllMM';

describe('botctl notify', () => {
  const { home, remove } = temporaryHome();
  let receiver: WebhookReceiver;
  let telegram: FakeTelegram;
  beforeAll(async () => {
    receiver = await webhookReceiver(secret, [500]);
    telegram = await fakeTelegram({ token });
    const bot = await botctl(home, ['create', '--template', 'simple_sma_bot', '--name', 'sma']);
    expect(bot.exitCode, bot.stderr).toBe(0);
    const sub = await botctl(home, ['subscribe', 'sma', '--pair', 'BTC/USDT', '--schedule', '@hourly', '--name', 'btc']);
    expect(sub.exitCode, sub.stderr).toBe(0);
  });
  afterAll(async () => {
    await receiver.close();
    await telegram.close();
    remove();
  });

  it('adds a webhook and a Telegram channel with their secrets from stdin, and lists them without secrets', async () => {
    const hook = await botctl(home, ['notify', 'add', 'ops', '--webhook', receiver.url, '--on', 'failure,paused'], { input: `${secret}\n` });
    expect(hook.exitCode, hook.stderr).toBe(0);
    expect(hook.stdout).toContain('Stored webhook channel ops (failure,paused), encrypted');
    const tg = await botctl(home, ['notify', 'add', 'phone', '--telegram'], { input: `${token}\n-1001234567890\n` });
    expect(tg.exitCode, tg.stderr).toBe(0);

    const list = await botctl(home, ['notify', '--json']);
    expect(list.exitCode, list.stderr).toBe(0);
    const origin = new URL(receiver.url).origin;
    expect(list.json).toEqual([
      { name: 'ops', kind: 'webhook', target: origin, events: ['failure', 'paused'], muted: [], created_at: expect.any(String) as string },
      { name: 'phone', kind: 'telegram', target: 'telegram', events: ['fill', 'reject', 'failure', 'paused', 'daemon', 'backlog'], muted: [], created_at: expect.any(String) as string },
    ]);
    expect(list.stdout).not.toContain('token=abc');
    // Neither the URL's token, the signing secret nor the bot token is in the database in clear text.
    const db = readFileSync(join(home, 'botctl.db'));
    for (const clear of [secret, token, '1234567890', 'token=abc']) expect(db.includes(Buffer.from(clear))).toBe(false);
  });

  it('takes the webhook URL from stdin with --webhook - (a URL with a token stays out of argv)', async () => {
    const r = await botctl(home, ['notify', 'add', 'quiet', '--webhook', '-', '--on', 'backlog', '--json'], { input: `${receiver.url}\n${secret}\n` });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ name: 'quiet', kind: 'webhook', target: new URL(receiver.url).origin, events: ['backlog'] });
    const bad = await botctl(home, ['notify', 'add', 'x', '--webhook', '-'], { input: `not a url\n${secret}\n` });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('Expected --webhook to be an http:// or https:// URL (or - to read it from stdin)');
    expect((await botctl(home, ['notify', 'rm', 'quiet'])).exitCode).toBe(0);
  });

  it('refuses bad input with exit 2, naming the field, and writes nothing', async () => {
    const both = await botctl(home, ['notify', 'add', 'x', '--webhook', receiver.url, '--telegram'], { input: `${secret}\n` });
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('Expected exactly one of --webhook URL or --telegram');
    const kinds = await botctl(home, ['notify', 'add', 'x', '--webhook', receiver.url, '--on', 'fill,explode'], { input: `${secret}\n` });
    expect(kinds.exitCode).toBe(2);
    expect(kinds.stderr).toContain('Expected --on to be a comma list of fill, reject, failure, paused, daemon, backlog; got "fill,explode"');
    const url = await botctl(home, ['notify', 'add', 'x', '--webhook', 'ftp://example.org/'], { input: `${secret}\n` });
    expect(url.exitCode).toBe(2);
    expect(url.stderr).toContain('Expected --webhook to be an http:// or https:// URL, got a ftp: URL');
    const short = await botctl(home, ['notify', 'add', 'x', '--webhook', receiver.url], { input: 'short\n' });
    expect(short.exitCode).toBe(2);
    expect(short.stderr).toContain('Expected the webhook signing secret to be 16-4096 characters, got 5');
    const badToken = await botctl(home, ['notify', 'add', 'x', '--telegram'], { input: 'not-a-token\n42\n' });
    expect(badToken.exitCode).toBe(2);
    expect(badToken.stderr).toContain('Expected a Telegram bot token');
    expect(badToken.stderr).not.toContain('not-a-token');
    const dup = await botctl(home, ['notify', 'add', 'ops', '--telegram'], { input: `${token}\n42\n` });
    expect(dup.exitCode).toBe(2);
    expect(dup.stderr).toContain('A notification channel named "ops" already exists.');
    const list = await botctl(home, ['notify', '--json']);
    expect((list.json as unknown[]).length).toBe(2);
  });

  it('notify test reports what the receiver answered: 500 (exit 1), then 200 with a valid signature', async () => {
    const failed = await botctl(home, ['notify', 'test', 'ops', '--json']);
    expect(failed.exitCode).toBe(1);
    expect(failed.json).toEqual({ channel: 'ops', kind: 'webhook', delivered: false, status: 500, answer: 'receiver is down' });
    const ok = await botctl(home, ['notify', 'test', 'ops']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Test message delivered to ops (webhook): HTTP 200, thanks');
    expect(receiver.received.map((r) => [r.status, r.signatureValid])).toEqual([[500, true], [200, true]]);
    expect(receiver.received[1]?.json).toMatchObject({ version: 1, event: 'test', kind: 'daemon', channel: 'ops' });
  });

  it('notify test on Telegram goes through the Bot API base URL setting', async () => {
    const r = await botctl(home, ['notify', 'test', 'phone', '--json'], { env: { BOTCTL_TELEGRAM_API_URL: telegram.url } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toEqual({ channel: 'phone', kind: 'telegram', delivered: true, status: 200, answer: 'ok' });
    expect(telegram.calls).toMatchObject([{ token, chatId: '-1001234567890', status: 200 }]);
    expect(telegram.calls[0]?.text).toContain('Test message from botctl to channel phone');
  });

  it('mutes and unmutes a subscription per channel; rm removes a channel and its mutes', async () => {
    const mute = await botctl(home, ['notify', 'mute', 'ops', 'btc']);
    expect(mute.exitCode, mute.stderr).toBe(0);
    expect(mute.stdout).toContain('Channel ops no longer hears about subscription btc');
    const list = await botctl(home, ['notify', '--json']);
    expect((list.json as { name: string; muted: string[] }[]).find((c) => c.name === 'ops')?.muted).toEqual(['btc']);
    const missing = await botctl(home, ['notify', 'mute', 'ops', 'nope']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('No subscription named "nope"');
    const unmute = await botctl(home, ['notify', 'unmute', 'ops', 'btc']);
    expect(unmute.exitCode, unmute.stderr).toBe(0);
    await botctl(home, ['notify', 'mute', 'phone', 'btc']);
    const rm = await botctl(home, ['notify', 'rm', 'phone']);
    expect(rm.exitCode, rm.stderr).toBe(0);
    const gone = await botctl(home, ['notify', 'rm', 'phone']);
    expect(gone.exitCode).toBe(2);
    expect(gone.stderr).toContain('No notification channel named "phone"');
    const sqlite = new SQLite(join(home, 'botctl.db'), { readonly: true });
    try {
      expect(sqlite.prepare('SELECT count(*) AS n FROM notify_mutes').get()).toEqual({ n: 0 });
    } finally {
      sqlite.close();
    }
  });
});
