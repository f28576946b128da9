// The metrics registry on a real database and its own event bus: label values stay in closed sets, and
// per-subscription series appear only when asked for. And `botd start --metrics` refuses a bad address.
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/open.js';
import { SubscriptionNames } from '../../src/daemon/subscription-names.js';
import { EventBus } from '../../src/events/daemon-events.js';
import { BotdMetrics } from '../../src/metrics/botd-metrics.js';
import { parseListenAddress } from '../../src/metrics/listen-address.js';
import { addBot, addSubscription } from '../daemon/helpers.js';
import { botdBin } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';
import { parseExposition, valueOf } from '../support/prom-text.js';

const { home, remove } = temporaryHome();
afterAll(remove);

const gauges = { queued: () => 3, running: () => 2, oldestWaitMs: () => 1500, scheduled: () => 7, lastTickAgeMs: () => 250 };

async function scrapeAfter(perSubscription: boolean) {
  const connection = await openSqlite(home);
  try {
    const botId = await addBot(connection.db, 'noop');
    const sub = await addSubscription(connection.db, botId);
    const bot = (await connection.db.selectFrom('bots').select('name').where('id', '=', botId).executeTakeFirstOrThrow()).name;
    const bus = new EventBus();
    const names = new SubscriptionNames(connection.db);
    await names.refresh();
    const metrics = new BotdMetrics({ bus, botOf: (id) => names.get(id)?.bot, gauges, perSubscription });
    bus.emit({ type: 'run-finished', runId: 1, subscriptionId: sub, status: 'crashed', durationMs: 2_000, error: 'secret-ish free text' });
    bus.emit({ type: 'broker-request', exchange: 'binanceusdm', method: 'withdraw', error: 'not an identifier!' });
    bus.emit({ type: 'order-refused', runId: 1, subscriptionId: sub, subscriptionName: null, bot, mode: 'live', method: 'setLeverage', message: 'leverage 50 refused: risk_config.max_leverage is 5.' });
    bus.emit({ type: 'order', runId: 1, subscriptionId: sub, subscriptionName: null, bot, exchange: 'binanceusdm', mode: 'live', symbol: 'BTC/USDT', side: 'buy', orderType: 'limit', intent: 'entry', status: 'weird', amount: 1, filled: 0, price: 1, pnl: null });
    const text = await metrics.registry.metrics();
    metrics.close();
    return { text, families: parseExposition(text), sub, bot };
  } finally {
    await connection.close();
  }
}

describe('botd metrics', () => {
  it('labels runs by status and bot only, and maps unknown methods, errors and statuses to fixed values', async () => {
    const { text, families, bot } = await scrapeAfter(false);
    expect(valueOf(families, 'botd_runs_total', { status: 'crashed', bot })).toBe(1);
    expect(text).not.toContain('subscription=');
    expect(valueOf(families, 'botd_broker_requests_total', { exchange: 'binanceusdm', method: 'other' })).toBe(1);
    expect(valueOf(families, 'botd_broker_errors_total', { method: 'other', error: 'Error' })).toBe(1);
    expect(valueOf(families, 'botd_guard_refusals_total', { reason: 'leverage' })).toBe(1);
    expect(valueOf(families, 'botd_orders_total', { status: 'other', mode: 'live' })).toBe(1);
    expect(valueOf(families, 'botd_runs_queued')).toBe(3);
    expect(valueOf(families, 'botd_backlog_oldest_wait_seconds')).toBe(1.5);
    expect(valueOf(families, 'botd_running_children')).toBe(2);
    expect(text).not.toContain('free text');
    expect(text).not.toContain('withdraw');
  });

  it('adds a subscription label with --metrics-per-subscription', async () => {
    const { families, sub, bot } = await scrapeAfter(true);
    expect(valueOf(families, 'botd_runs_total', { status: 'crashed', bot, subscription: String(sub) })).toBe(1);
  });

  it('parses HOST:PORT and refuses anything else naming the option', () => {
    expect(parseListenAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListenAddress('9464')).toThrow('Expected --metrics to be HOST:PORT such as 127.0.0.1:9464 (IPv6 as [::1]:9464), got "9464".');
    expect(() => parseListenAddress('127.0.0.1:99999')).toThrow('got "127.0.0.1:99999"');
  });

  it('botd start exits 2 on a bad --metrics, and on --metrics-per-subscription without --metrics', async () => {
    const bad = await execa(process.execPath, [botdBin, 'start', '--home', home, '--metrics', 'localhost'], { reject: false });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('Expected --metrics to be HOST:PORT');
    const lonely = await execa(process.execPath, [botdBin, 'start', '--home', home, '--metrics-per-subscription'], { reject: false });
    expect(lonely.exitCode).toBe(2);
    expect(lonely.stderr).toContain('Expected --metrics HOST:PORT with --metrics-per-subscription, got no --metrics.');
  });
});
