// botd end to end with its observers: the real bin/botd.js runs known subscriptions in paper mode on recorded
// market data (one fills an order every second, one is refused by the risk guard, one throws), notifies a real
// signed-webhook receiver, and serves /metrics (parsed as the exposition format, and checked by promtool where
// installed) and /healthz on 127.0.0.1.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addChannel } from '../../src/notify/channels.js';
import { openDatabase } from '../../src/db/open.js';
import { killAllBotds, startBotd, type Botd } from '../daemon/botd.js';
import { addBot, addSubscription } from '../daemon/helpers.js';
import { parseExposition, sumOf, valueOf, type Family } from '../support/prom-text.js';
import { temporaryHome } from '../support/home.js';
import { webhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const secret = 'whsec-0123456789abcdef';
// One botd for the whole suite (useBotdHomes would stop it after each test).
const { home, remove } = temporaryHome();

async function promtool(): Promise<string | undefined> {
  for (const candidate of [process.env.BOTCTL_PROMTOOL, 'promtool'].filter(Boolean) as string[]) {
    const found = await execa(candidate, ['--version'], { reject: false });
    if (found.exitCode === 0) return candidate;
  }
  return undefined;
}

/** Event names a receiver got, a summary's sample included. */
function eventsOf(receiver: WebhookReceiver): { event: string; json: Record<string, unknown> }[] {
  return receiver.received.flatMap((r) => {
    if (r.json.event !== 'summary') return [{ event: String(r.json.event), json: r.json }];
    const sample = (r.json.summary as { sample: Record<string, unknown>[] }).sample;
    return sample.map((s) => ({ event: String(s.event), json: s }));
  });
}

describe('botd --metrics with notifications', () => {
  let receiver: WebhookReceiver;
  let botd: Botd;
  let port = 0;
  let ids: { fills: number; refused: number; throws: number; botFills: string; botThrows: string };
  let scrape: string;
  let families: Map<string, Family>;
  let startedBeforeScrape = 0;

  beforeAll(async () => {
    receiver = await webhookReceiver(secret);
    const connection = await openDatabase(home);
    try {
      const { db } = connection;
      const fillsBot = await addBot(db, 'exchange');
      const throwsBot = await addBot(db, 'throws');
      const fills = await addSubscription(db, fillsBot, { schedule: '* * * * * *', timeoutMs: 30_000 });
      const refused = await addSubscription(db, fillsBot, { schedule: '* * * * * *', timeoutMs: 30_000 });
      await db.updateTable('subscriptions').set({ risk_config: '{"max_order_notional": 1}', name: 'tiny' }).where('id', '=', refused).execute();
      const throws = await addSubscription(db, throwsBot, { schedule: '* * * * * *', timeoutMs: 30_000 });
      const name = async (id: number) => (await db.selectFrom('bots').select('name').where('id', '=', id).executeTakeFirstOrThrow()).name;
      ids = { fills, refused, throws, botFills: await name(fillsBot), botThrows: await name(throwsBot) };
      await addChannel(db, home, { name: 'ops', kind: 'webhook', events: ['fill', 'reject', 'failure', 'paused', 'daemon'], secrets: { url: receiver.url, secret } });
    } finally {
      await connection.close();
    }
    botd = startBotd(home, ['--metrics', '127.0.0.1:0', '--max-failures', '2', '--concurrency', '3'], { BOTCTL_MARKET_DATA: 'recorded' });
    port = Number((await botd.waitFor('the metrics port', (l) => l.msg === 'metrics listening')).port);
    for (const id of [ids.refused, ids.throws]) await botd.waitFor(`subscription ${id} paused`, (l) => l.msg === 'subscription paused' && l.subscription_id === id, 60_000);
    await botd.waitFor('two runs that filled', (l, i) => l.msg === 'run finished' && l.subscription_id === ids.fills && l.status === 'succeeded' && botd.lines.slice(0, i).some((p) => p.msg === 'run finished' && p.subscription_id === ids.fills && p.status === 'succeeded'), 60_000);
    startedBeforeScrape = botd.lines.filter((l) => l.msg === 'run started').length;
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    scrape = await response.text();
    families = parseExposition(scrape);
  }, 120_000);

  afterAll(async () => {
    killAllBotds();
    await receiver?.close();
    remove();
  });

  it('counts runs by status and bot, with duration and dispatch-lag histograms', () => {
    expect(valueOf(families, 'botd_runs_total', { status: 'failed', bot: ids.botThrows })).toBe(2);
    expect(valueOf(families, 'botd_runs_total', { status: 'failed', bot: ids.botFills })).toBe(2);
    expect(valueOf(families, 'botd_runs_total', { status: 'succeeded', bot: ids.botFills })).toBeGreaterThanOrEqual(2);
    const finished = sumOf(families, 'botd_runs_total');
    expect(valueOf(families, 'botd_run_duration_seconds_count', { status: 'failed' })).toBe(4);
    expect(sumOf(families, 'botd_run_duration_seconds_count')).toBe(finished);
    // Every run botd logged as started before the scrape was observed: the first slot's too (the observers
    // once subscribed after the scheduler had started, and lost them).
    expect(startedBeforeScrape).toBeGreaterThanOrEqual(3);
    // (A run may start between the count and the scrape, so the scrape may hold more, never fewer.)
    const observed = sumOf(families, 'botd_dispatch_lag_seconds_count');
    expect(observed).toBeGreaterThanOrEqual(startedBeforeScrape);
    // Nor counted twice: at most the lines read by now, plus one per child slot whose line is still in the pipe.
    expect(observed).toBeLessThanOrEqual(botd.lines.filter((l) => l.msg === 'run started').length + 3);
    expect(sumOf(families, 'botd_child_starts_total')).toBe(observed);
    expect(valueOf(families, 'botd_dispatch_lag_seconds_bucket', { le: '+Inf' })).toBeDefined();
    // Without --metrics-per-subscription, no series carries a subscription.
    expect(scrape).not.toContain('subscription="');
  });

  it('counts orders by status and mode, guard refusals by reason, broker calls and errors by exchange and method', () => {
    expect(valueOf(families, 'botd_orders_total', { status: 'closed', mode: 'paper' })).toBeGreaterThanOrEqual(2);
    expect(valueOf(families, 'botd_guard_refusals_total', { reason: 'order_notional' })).toBe(2);
    expect(valueOf(families, 'botd_broker_requests_total', { exchange: 'binanceusdm', method: 'fetchTicker' })).toBeGreaterThanOrEqual(4);
    expect(valueOf(families, 'botd_broker_errors_total', { exchange: 'binanceusdm', method: 'createOrder', error: 'RiskRejected' })).toBe(2);
    expect(valueOf(families, 'botd_subscriptions_paused_total')).toBe(2);
  });

  it('reports queue depth, backlog, running children, cache hits, notifications and process metrics', () => {
    for (const gauge of ['botd_runs_queued', 'botd_backlog_oldest_wait_seconds', 'botd_running_children', 'botd_scheduled_subscriptions', 'botd_scheduler_last_tick_age_seconds']) {
      expect(families.get(gauge)?.type, gauge).toBe('gauge');
    }
    expect(valueOf(families, 'botd_scheduled_subscriptions')).toBe(1);
    expect(valueOf(families, 'botd_bundle_cache_requests_total', { result: 'hit' })).toBeGreaterThanOrEqual(1);
    expect(sumOf(families, 'botd_child_starts_total')).toBeGreaterThanOrEqual(startedBeforeScrape);
    expect(families.get('botd_notifications_total')?.type).toBe('counter');
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
  });

  it('no label holds free text: every value comes from a closed set or is an identifier', () => {
    for (const family of families.values()) {
      for (const sample of family.samples) {
        for (const [label, value] of Object.entries(sample.labels)) {
          expect(`${family.name}{${label}="${value}"}`).toMatch(/="[A-Za-z0-9_.+:-]{0,64}"}$/);
        }
      }
    }
    expect(scrape).not.toContain(secret);
    expect(scrape).not.toContain('boom');
  });

  it('passes promtool check metrics (where promtool is installed)', async (context) => {
    const tool = await promtool();
    if (!tool) {
      // CI installs it (.ci/install-promtool.sh): there the check must run.
      if (process.env.CI === 'true') throw new Error('promtool is not installed; .ci/install-promtool.sh installs it');
      context.skip('promtool not installed (run .ci/install-promtool.sh, or set BOTCTL_PROMTOOL to a promtool binary)');
      return;
    }
    const checked = await execa(tool, ['check', 'metrics'], { input: scrape, reject: false });
    // Exit 1 is a parse error; 3 means lint findings only. prom-client's own default gauges are named
    // nodejs_active_*_total, which promtool's lint flags (a gauge with a _total suffix): those are the only
    // findings allowed, none about botd's metrics.
    const findings = `${checked.stdout}${checked.stderr}`.split('\n').filter(Boolean);
    expect([0, 3]).toContain(checked.exitCode);
    expect(findings.filter((line) => !/^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(line))).toEqual([]);
  });

  it('/healthz reports the database reachable, the scheduler alive and the age of its last tick', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as { ok: boolean; database: { reachable: boolean }; scheduler: { alive: boolean; running: boolean; last_tick_age_ms: number } };
    expect(health).toMatchObject({ ok: true, database: { reachable: true }, scheduler: { alive: true, running: true } });
    expect(health.scheduler.last_tick_age_ms).toBeGreaterThanOrEqual(0);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });

  it('notified the webhook: started, filled, refused, failed, paused, and stopped on SIGTERM, each naming subscription, bot and `botctl logs RUN`', async () => {
    botd.kill('SIGTERM');
    expect((await botd.exit).exitCode).toBe(0);
    expect(receiver.received.every((r) => r.signatureValid && r.json.version === 1)).toBe(true);
    const events = eventsOf(receiver);
    const names = new Set(events.map((e) => e.event));
    for (const name of ['daemon.started', 'order.filled', 'order.refused', 'run.failed', 'subscription.paused', 'daemon.stopped']) expect(names, name).toContain(name);
    expect(events.at(-1)?.event).toBe('daemon.stopped');
    const fill = events.find((e) => e.event === 'order.filled')?.json;
    expect(fill).toMatchObject({ subscription: { id: ids.fills }, bot: { name: ids.botFills }, order: { intent: 'entry', side: 'buy', status: 'closed', mode: 'paper', symbol: 'BTC/USDT:USDT' } });
    expect(String(fill?.command)).toMatch(/^botctl logs \d+$/);
    const refusal = events.find((e) => e.event === 'order.refused')?.json;
    expect(refusal).toMatchObject({ subscription: { id: ids.refused, name: 'tiny' }, bot: { name: ids.botFills } });
    expect(String(refusal?.text)).toContain('max_order_notional');
    const failed = events.find((e) => e.event === 'run.failed' && (e.json.subscription as { id: number }).id === ids.throws)?.json;
    expect(String(failed?.text)).toContain(`of bot ${ids.botThrows} failed: boom: the strategy gave up`);
    const paused = events.filter((e) => e.event === 'subscription.paused').map((e) => (e.json.subscription as { id: number }).id);
    expect(paused.sort()).toEqual([ids.refused, ids.throws].sort());
  });
});
