// Notification delivery with real parts: a real home (SQLite, master key, encrypted channels), botd's notifier on
// its own event bus, a real HTTP receiver that checks signatures, and a fake Telegram Bot API on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteConnection } from '../../src/db/open.js';
import { watchChanges } from '../../src/db/change-feed.js';
import { SubscriptionNames } from '../../src/daemon/subscription-names.js';
import { EventBus, type DaemonEvent } from '../../src/events/daemon-events.js';
import { addChannel, setMuted } from '../../src/notify/channels.js';
import { Notifier, type NotifierOptions } from '../../src/notify/notifier.js';
import { sendWebhook } from '../../src/notify/webhook.js';
import { addBot, addSubscription, until } from '../daemon/helpers.js';
import { fakeTelegram } from '../support/fake-telegram.js';
import { temporaryHome } from '../support/home.js';
import { webhookReceiver } from '../support/webhook-receiver.js';

const secret = 'whsec-0123456789abcdef';
const token = '123456:AAbbCCddEEffGGhhIIjjKKllMM';

interface World {
  home: string;
  connection: SqliteConnection;
  bus: EventBus;
  logs: { level: string; msg: string; fields: Record<string, unknown> }[];
  subscriptionId: number;
  botName: string;
  notifier(options?: Partial<NotifierOptions>): Promise<Notifier>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function world(): Promise<World> {
  const { home, remove } = temporaryHome();
  const connection = await openSqlite(home);
  cleanups.push(remove, () => connection.close());
  const botId = await addBot(connection.db, 'throws');
  const subscriptionId = await addSubscription(connection.db, botId);
  await connection.db.updateTable('subscriptions').set({ name: 'btc-trend' }).where('id', '=', subscriptionId).execute();
  const botName = (await connection.db.selectFrom('bots').select('name').where('id', '=', botId).executeTakeFirstOrThrow()).name;
  const bus = new EventBus();
  const logs: World['logs'] = [];
  const entry = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => logs.push({ level, msg, fields });
  const log = { debug: entry('debug'), info: entry('info'), warn: entry('warn'), error: entry('error') };
  return {
    home, connection, bus, logs, subscriptionId, botName,
    async notifier(options = {}) {
      const names = new SubscriptionNames(connection.db);
      await names.refresh();
      const changes = await watchChanges(connection, { pollMs: 100 });
      cleanups.push(() => changes.close());
      changes.on(() => void names.refresh());
      const notifier = new Notifier({
        db: connection.db, label: (id) => names.get(id), onChange: (listener) => changes.on(listener), home, bus, log,
        coalescing: { windowMs: 100, maxWindowMs: 1_000 },
        delivery: { backoffBaseMs: 50, backoffMaxMs: 200 },
        requestTimeoutMs: 5_000,
        ...options,
      });
      await notifier.start();
      cleanups.push(() => notifier.stop(0));
      return notifier;
    },
  };
}

const failure = (subscriptionId: number, runId: number): DaemonEvent => ({
  type: 'run-finished', runId, subscriptionId, status: 'failed', durationMs: 120, error: `Error: boom ${runId}\n    at execute`,
});

describe('notification delivery', () => {
  it('webhook: a failed delivery (500) is retried with backoff, then delivered (200) with a valid HMAC signature and a versioned payload', async () => {
    const w = await world();
    const receiver = await webhookReceiver(secret, [500]);
    cleanups.push(() => receiver.close());
    await addChannel(w.connection.db, w.home, { name: 'ops', kind: 'webhook', events: ['failure'], secrets: { url: receiver.url, secret } });
    await w.notifier();
    w.bus.emit(failure(w.subscriptionId, 41));
    await until('the retry to be delivered', () => receiver.received.length >= 2 || undefined, 15_000);
    expect(receiver.received.map((r) => [r.status, r.signatureValid])).toEqual([[500, true], [200, true]]);
    const [first, second] = receiver.received;
    // The same message both times: a receiver can drop a repeat by id.
    expect(second?.json.id).toBe(first?.json.id);
    expect(second?.json).toMatchObject({
      version: 1, event: 'run.failed', kind: 'failure',
      subscription: { id: w.subscriptionId, name: 'btc-trend' }, bot: { name: w.botName },
      run: { id: 41, status: 'failed', error: 'Error: boom 41' }, command: 'botctl logs 41',
    });
    expect(String(second?.json.text)).toContain(`Run 41 of subscription btc-trend (#${w.subscriptionId}) of bot ${w.botName} failed: Error: boom 41`);
    expect(String(second?.json.text)).toContain('more: botctl logs 41');
  });

  it('webhook: every request has a timeout; a receiver that never answers is reported, not waited on forever', async () => {
    const { createServer } = await import('node:http');
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const port = (server.address() as { port: number }).port;
    const answer = await sendWebhook({ url: `http://127.0.0.1:${port}/`, secret }, '{"version":1}', 300);
    expect(answer).toEqual({ ok: false, status: null, text: 'no answer within 300 ms', retryable: true });
  });

  it('Telegram: a 429 with retry_after is waited out, then the message goes through the Bot API base URL', async () => {
    const w = await world();
    const telegram = await fakeTelegram({ token, tooManyRequests: 1, retryAfterS: 1 });
    cleanups.push(() => telegram.close());
    await addChannel(w.connection.db, w.home, { name: 'phone', kind: 'telegram', events: ['paused'], secrets: { token, chatId: '-100200' } });
    await w.notifier({ telegramApiUrl: telegram.url });
    w.bus.emit({ type: 'subscription-paused', subscriptionId: w.subscriptionId, runId: 7, reason: '5 consecutive failed runs' });
    await until('the message to be delivered', () => telegram.calls.find((c) => c.status === 200), 15_000);
    expect(telegram.calls.map((c) => c.status)).toEqual([429, 200]);
    // retry_after is a lower bound on the wait (never asserted from above: the machine may be slow).
    expect((telegram.calls[1]?.at ?? 0) - (telegram.calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(telegram.calls[1]).toMatchObject({ token, chatId: '-100200' });
    expect(telegram.calls[1]?.text).toContain(`subscription btc-trend (#${w.subscriptionId}) of bot ${w.botName} was paused: 5 consecutive failed runs`);
    expect(telegram.calls[1]?.text).toContain('botctl resume btc-trend');
  });

  it('Telegram: about one message per second per chat', async () => {
    const w = await world();
    const telegram = await fakeTelegram({ token });
    cleanups.push(() => telegram.close());
    await addChannel(w.connection.db, w.home, { name: 'phone', kind: 'telegram', events: ['failure'], secrets: { token, chatId: '42' } });
    await w.notifier({ telegramApiUrl: telegram.url });
    for (const runId of [1, 2, 3]) w.bus.emit(failure(w.subscriptionId, runId));
    await until('three messages', () => telegram.calls.length >= 3 || undefined, 15_000);
    const gaps = telegram.calls.slice(1).map((c, i) => c.at - (telegram.calls[i]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(950);
  });

  it('coalesces a burst: 300 failures in one slot make one summary message, not 300', async () => {
    const w = await world();
    const receiver = await webhookReceiver(secret);
    cleanups.push(() => receiver.close());
    await addChannel(w.connection.db, w.home, { name: 'ops', kind: 'webhook', events: ['failure'], secrets: { url: receiver.url, secret } });
    await w.notifier({ coalescing: { windowMs: 300, maxWindowMs: 5_000 } });
    for (let runId = 1; runId <= 300; runId++) w.bus.emit(failure(w.subscriptionId, runId));
    await until('the summary', () => receiver.received[0], 15_000);
    // Nothing more follows.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(receiver.received).toHaveLength(1);
    const summary = receiver.received[0]?.json as { event: string; kind: string; version: number; summary: { count: number; sample: unknown[] }; text: string };
    expect(summary).toMatchObject({ version: 1, event: 'summary', kind: 'failure', summary: { count: 300 } });
    expect(summary.summary.sample).toHaveLength(5);
    expect(summary.text).toMatch(/^300 runs failed, timed out or crashed within \d+ s:/);
    expect(summary.text).toContain('… and 295 more');
    expect(receiver.received[0]?.signatureValid).toBe(true);
  });

  it('a full queue drops messages, logs how many and reports each on the bus (metrics count them)', async () => {
    const w = await world();
    // Always 500: the first message stays at the head of the queue, retrying.
    const receiver = await webhookReceiver(secret, Array.from({ length: 100 }, () => 500));
    cleanups.push(() => receiver.close());
    await addChannel(w.connection.db, w.home, { name: 'ops', kind: 'webhook', events: ['failure', 'paused', 'daemon'], secrets: { url: receiver.url, secret } });
    const outcomes: string[] = [];
    w.bus.on((e) => { if (e.type === 'notification') outcomes.push(e.outcome); });
    const notifier = await w.notifier({ delivery: { capacity: 1, backoffBaseMs: 10_000, backoffMaxMs: 10_000 } });
    w.bus.emit(failure(w.subscriptionId, 1));
    w.bus.emit({ type: 'subscription-paused', subscriptionId: w.subscriptionId, runId: 1, reason: 'x' });
    w.bus.emit({ type: 'daemon-stopped', reason: 'SIGTERM' });
    await until('two drops', () => outcomes.filter((o) => o === 'dropped').length >= 2 || undefined, 10_000);
    await notifier.stop(0);
    expect(outcomes.filter((o) => o === 'dropped')).toHaveLength(3);
    const line = w.logs.find((l) => l.msg === 'notification queue overflow: messages dropped');
    expect(line).toMatchObject({ level: 'warn', fields: { channel: 'ops', capacity: 1 } });
    expect(w.logs.filter((l) => l.msg === 'notification queue overflow: messages dropped').reduce((n, l) => n + Number(l.fields.dropped), 0)).toBe(3);
  });

  it('sends backlog warnings and botd start/stop to channels that asked for them', async () => {
    const w = await world();
    const receiver = await webhookReceiver(secret);
    cleanups.push(() => receiver.close());
    await addChannel(w.connection.db, w.home, { name: 'ops', kind: 'webhook', events: ['backlog', 'daemon'], secrets: { url: receiver.url, secret } });
    await w.notifier();
    w.bus.emit({ type: 'daemon-started', pid: 4242, subscriptions: 12, concurrency: 4 });
    w.bus.emit({ type: 'backlog', queued: 9, running: 4, concurrency: 4, oldestWaitMs: 75_400, superseded: 3, skippedStillRunning: 1 });
    await until('two messages', () => receiver.received.length >= 2 || undefined, 10_000);
    const byEvent = Object.fromEntries(receiver.received.map((r) => [r.json.event, r.json]));
    expect(byEvent['daemon.started']).toMatchObject({ kind: 'daemon', daemon: { pid: 4242, subscriptions: 12, concurrency: 4 }, text: 'botd started (pid 4242, 12 subscriptions scheduled)' });
    expect(byEvent.backlog).toMatchObject({ kind: 'backlog', backlog: { queued: 9, running: 4, concurrency: 4, oldest_wait_ms: 75_400, superseded: 3, skipped_still_running: 1 }, command: 'botctl runs' });
    expect(String(byEvent.backlog?.text)).toContain('Backlog: 9 due runs wait for a free slot (4 running, concurrency 4); the oldest has waited 75 s');
  });

  it('filters by --on kinds and mutes per channel', async () => {
    const w = await world();
    const all = await webhookReceiver(secret);
    const fills = await webhookReceiver(secret);
    cleanups.push(() => all.close(), () => fills.close());
    await addChannel(w.connection.db, w.home, { name: 'all', kind: 'webhook', events: ['fill', 'failure'], secrets: { url: all.url, secret } });
    await addChannel(w.connection.db, w.home, { name: 'fills', kind: 'webhook', events: ['fill'], secrets: { url: fills.url, secret } });
    const other = await addSubscription(w.connection.db, await addBot(w.connection.db, 'noop'));
    await setMuted(w.connection.db, 'all', String(other), true);
    await w.notifier();
    w.bus.emit(failure(other, 1));
    w.bus.emit(failure(w.subscriptionId, 2));
    w.bus.emit({
      type: 'order', runId: 2, subscriptionId: w.subscriptionId, subscriptionName: 'btc-trend', bot: w.botName, exchange: 'binanceusdm', mode: 'paper',
      symbol: 'BTC/USDT:USDT', side: 'sell', orderType: 'market', intent: 'exit', status: 'closed', amount: 0.01, filled: 0.01, price: 50_000, pnl: 12.5,
    });
    await until('both receivers', () => (all.received.length >= 2 && fills.received.length >= 1) || undefined, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(all.received.map((r) => r.json.event).sort()).toEqual(['order.filled', 'run.failed']);
    expect(all.received.find((r) => r.json.event === 'run.failed')?.json.run).toMatchObject({ id: 2 });
    expect(fills.received.map((r) => r.json.event)).toEqual(['order.filled']);
    expect(fills.received[0]?.json).toMatchObject({ order: { intent: 'exit', side: 'sell', price: 50_000, filled: 0.01, pnl: 12.5, mode: 'paper' }, command: 'botctl logs 2' });
    expect(String(fills.received[0]?.json.text)).toContain('Exit filled: sell 0.01 BTC/USDT:USDT at 50000 (paper, P&L 12.5) for subscription btc-trend');
  });
});
