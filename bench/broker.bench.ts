// Item 4: the exchange broker's costs, measured in this run against the fake Binance on loopback.
//   1. exchange requests per execution in steady state: binance_futures_bot, two subscriptions on one key,
//      ten executions through the daemon's runner; target: no market-metadata request after the first run;
//   2. the peak RSS (VmHWM) of a child that trades through the broker vs a child that imports ccxt and does
//      the same calls itself; target <= 0.4x.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleBot } from '../src/bots/bundle.js';
import { createTemplateBot } from '../src/bots/create-template-bot.js';
import { createBroker } from '../src/broker/broker.js';
import { ExchangeClients } from '../src/broker/exchange-clients.js';
import { redirectTransport } from '../src/broker/redirect.js';
import { sandboxEnv, sandboxNodeArgs } from '../src/sandbox/node-flags.js';
import { defaultHeapMb } from '../src/daemon/defaults.js';
import { runExecution } from '../src/daemon/runner.js';
import { openDatabase } from '../src/db/open.js';
import type { Subscription } from '../src/db/schema.js';
import { homePaths } from '../src/home.js';
import { packageRoot } from '../src/package-root.js';
import { encodeMessage, LineDecoder } from '../src/runtime/message-channel.js';
import type { ParentMessage, StartMessage } from '../src/runtime/protocol.js';
import { addKey } from '../src/secrets/keys.js';
import type { BenchRow } from './index.js';

const apiKey = 'bench-key';
const secret = 'bench-secret';
const executions = 10;
const metadataPaths = ['/fapi/v1/exchangeInfo', '/fapi/v1/leverageBracket'];

interface FakeModule {
  startFakeBinance(options: Record<string, unknown>): Promise<FakeBinance>;
  uptrendKlines(priceOf: (symbol: string) => number): unknown;
}
interface FakeBinance {
  url: string;
  requests: { path: string; method: string }[];
  price(symbol: string): number;
  close(): Promise<void>;
}

// The fake and its uptrend klines live with the tests (TypeScript, not compiled into dist/): bundle them for this run.
async function loadFake(dir: string): Promise<FakeModule> {
  const esbuild = await import('esbuild');
  const outfile = join(dir, 'fake-binance.mjs');
  await esbuild.build({
    stdin: { contents: "export * from './fake-binance.ts'; export * from './trend-klines.ts';", resolveDir: join(packageRoot, 'test', 'support'), loader: 'ts' },
    bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'silent',
  });
  return (await import(pathToFileURL(outfile).href)) as FakeModule;
}

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'botctl-broker-bench-'));
  const { startFakeBinance, uptrendKlines } = await loadFake(dir);
  // A fresh fake account per section: the memory section's bot must find no position left by the first.
  const withFake = async (section: (fake: FakeBinance) => Promise<BenchRow[]>): Promise<BenchRow[]> => {
    let fake: FakeBinance | undefined;
    fake = await startFakeBinance({ apiKey, secret, klines: uptrendKlines((symbol) => fake!.price(symbol)), logUnknown: false });
    try {
      return await section(fake);
    } finally {
      await fake.close();
    }
  };
  try {
    return [...(await withFake((fake) => steadyState(dir, fake))), ...(await withFake((fake) => childMemory(dir, fake)))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function steadyState(dir: string, fake: FakeBinance): Promise<BenchRow[]> {
  const home = join(dir, 'home');
  const connection = await openDatabase(home);
  try {
    const { db } = connection;
    const bot = await createTemplateBot(db, { name: 'trend', template: 'binance_futures_bot', developer: 'bench', exchange: 'binanceusdm' });
    await addKey(db, home, { name: 'main', exchange: 'binanceusdm', credentials: { apiKey, secret } });
    const subscriptions: Subscription[] = [];
    for (const pair of ['BTC/USDT:USDT', 'ETH/USDT:USDT']) {
      subscriptions.push(
        await db.insertInto('subscriptions').values({
          bot_id: bot.id, name: `trend-${pair}`, user_principal_id: 'bench', trading_pair: pair, schedule: '0 * * * *', timezone: 'UTC',
          execution_config: '{}', risk_config: '{}', mode: 'testnet', key_name: 'main', enabled: 1, updated_at: new Date().toISOString(),
        }).returningAll().executeTakeFirstOrThrow(),
      );
    }
    const clients = new ExchangeClients({ enableRateLimit: false, configureClient: (client) => redirectTransport(client, fake.url) });
    const broker = createBroker({ db, home, clients });
    const perRun: { total: number; metadata: number; failed: boolean }[] = [];
    for (let i = 0; i < executions; i++) {
      const before = fake.requests.length;
      const report = await runExecution(
        { home, connection, exchangeSessions: broker.factory },
        { subscriptionId: subscriptions[i % 2]!.id, scheduledFor: new Date(Date.UTC(2030, 0, 1) + i * 60_000).toISOString(), requireEnabled: false },
      );
      const requests = fake.requests.slice(before);
      perRun.push({ total: requests.length, metadata: requests.filter((r) => metadataPaths.includes(r.path)).length, failed: report.status !== 'succeeded' });
    }
    // Steady state: after each subscription's first run (which opens its position), both only manage it.
    const steady = perRun.slice(2);
    const meanSteady = steady.reduce((sum, r) => sum + r.total, 0) / steady.length;
    const metadataAfterFirst = perRun.slice(1).reduce((sum, r) => sum + r.metadata, 0);
    const failures = perRun.filter((r) => r.failed).length;
    return [
      { name: 'exchange requests, first execution (cold: markets, leverage brackets, entry)', value: perRun[0]?.total ?? 0, unit: 'req', target: 'context', pass: true },
      { name: `exchange requests per execution, steady state (executions 3–${executions})`, value: meanSteady, unit: 'req', target: 'context', pass: true },
      { name: `market-metadata requests after the first execution (${executions} runs, 2 subs, 1 key)`, value: metadataAfterFirst, unit: 'req', target: '0', pass: metadataAfterFirst === 0 },
      { name: 'executions that did not succeed', value: failures, unit: '', target: '0', pass: failures === 0 },
    ];
  } finally {
    await connection.close();
  }
}

// Peak resident set of a child, read from /proc while it is still alive (after it reported).
function vmHwmKb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? NaN);
}

async function childMemory(dir: string, fake: FakeBinance): Promise<BenchRow[]> {
  const home = join(dir, 'home');
  const connection = await openDatabase(home);
  try {
    const { db } = connection;
    const bot = await createTemplateBot(db, { name: 'rss', template: 'binance_futures_bot', developer: 'bench', exchange: 'binanceusdm' });
    const subscription = await db.insertInto('subscriptions').values({
      bot_id: bot.id, name: 'rss', user_principal_id: 'bench', trading_pair: 'BTC/USDT:USDT', schedule: '0 * * * *', timezone: 'UTC',
      execution_config: '{}', risk_config: '{}', mode: 'testnet', key_name: 'main', enabled: 1, updated_at: new Date().toISOString(),
    }).returningAll().executeTakeFirstOrThrow();
    const runRow = await db.insertInto('runs').values({ subscription_id: subscription.id, scheduled_for: 'bench', started_at: new Date().toISOString(), status: 'running' })
      .returning('id').executeTakeFirstOrThrow();
    const clients = new ExchangeClients({ enableRateLimit: false, configureClient: (client) => redirectTransport(client, fake.url) });
    const session = await createBroker({ db, home, clients }).factory({ runId: runRow.id, subscription, bot });
    const bundle = await bundleBot(join(packageRoot, bot.code_path), homePaths(home).bundleCache);

    // The broker's child: the real bundle in the sandbox, its ctx.exchange served by the session over the
    // message channel on fd 3, as the runner does.
    const viaBroker = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [...sandboxNodeArgs(bundle.path, defaultHeapMb), bundle.path, '--botctl-child'], { env: sandboxEnv(), stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
      const channel = child.stdio[3] as import('node:net').Socket;
      const send = (message: ParentMessage) => channel.write(encodeMessage(message));
      const start: StartMessage = {
        type: 'start', runId: runRow.id, subscriptionId: subscription.id, scheduledFor: new Date().toISOString(), pair: subscription.trading_pair,
        mode: 'testnet', exchangeId: 'binanceusdm', config: {}, state: {},
      };
      const decoder = new LineDecoder();
      channel.on('error', () => {});
      channel.on('data', (chunk: Buffer) => {
        for (const line of decoder.push(chunk)) {
          const message = JSON.parse(line) as { type: string; id: number; method?: string; args?: unknown[]; ok?: boolean };
          if (message.type === 'exchange-call') {
            session.call(message.method ?? '', message.args ?? []).then(
              (value) => send({ type: 'exchange-reply', id: message.id, ok: true, value }),
              (error: Error) => send({ type: 'exchange-reply', id: message.id, ok: false, error: { name: error.name, message: error.message } }),
            );
          } else if (message.type === 'result') {
            const kb = vmHwmKb(child.pid!);
            if (message.ok !== true) reject(new Error(`the bot failed: ${JSON.stringify(message)}`));
            else resolve(kb);
          }
        }
      });
      child.once('error', reject);
      send(start);
    });
    if (session.orders().length < 3) throw new Error(`expected the bot to trade through the broker, it placed ${session.orders().length} orders`);

    // The comparison: a child that imports ccxt and makes the same calls against the same fake itself.
    const script = join(dir, 'ccxt-child.mjs');
    writeFileSync(script, ccxtChild(fake.url));
    const direct = await new Promise<number>((resolve, reject) => {
      const child = fork(script, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
      child.on('message', (message: { done?: boolean; error?: string }) => {
        const kb = vmHwmKb(child.pid!);
        child.send('exit');
        if (message.error) reject(new Error(message.error));
        else resolve(kb);
      });
      child.once('error', reject);
    });
    const ratio = viaBroker / direct;
    return [
      { name: 'child peak RSS, bot trading through the broker (VmHWM)', value: Math.round(viaBroker / 1024), unit: 'MB', target: 'see ratio', pass: true },
      { name: 'child peak RSS, same calls with ccxt imported in the child', value: Math.round(direct / 1024), unit: 'MB', target: 'baseline', pass: true },
      { name: 'broker child / ccxt child peak RSS', value: Math.round(ratio * 1000) / 1000, unit: 'x', target: '<= 0.4x', pass: ratio <= 0.4 },
    ];
  } finally {
    await connection.close();
  }
}

function ccxtChild(fakeUrl: string): string {
  const ccxtUrl = pathToFileURL(join(packageRoot, 'node_modules', 'ccxt', 'js', 'ccxt.js')).href;
  return `import ccxt from ${JSON.stringify(ccxtUrl)};
const ex = new ccxt.binanceusdm({ apiKey: ${JSON.stringify(apiKey)}, secret: ${JSON.stringify(secret)}, enableRateLimit: false, options: { fetchCurrencies: false, fetchMargins: false } });
ex.enableDemoTrading(true);
ex.fetchImplementation = (url, p = {}) => fetch(url.replace(/^https?:\\/\\/[^/]+/, ${JSON.stringify(fakeUrl)}), { method: p.method ?? 'GET', headers: p.headers, body: p.body });
ex.fetchIsNative = false; ex.undiciModule = undefined; ex.fetchImplementationLoading = undefined;
try {
  const symbol = 'ETH/USDT:USDT';
  await ex.loadMarkets();
  await ex.fetchOHLCV(symbol, '1h', undefined, 167);
  await ex.fetchPositions([symbol]);
  await ex.fetchBalance();
  await ex.setLeverage(3, symbol);
  await ex.createOrder(symbol, 'market', 'buy', 0.5);
  await ex.createOrder(symbol, 'market', 'sell', 0.5, undefined, { stopLossPrice: 2900, reduceOnly: true });
  await ex.createOrder(symbol, 'market', 'sell', 0.5, undefined, { takeProfitPrice: 3100, reduceOnly: true });
  await ex.fetchOpenOrders(symbol, undefined, undefined, { trigger: true });
  process.send({ done: true });
} catch (error) {
  process.send({ error: String(error) });
}
process.on('message', () => process.exit(0));
`;
}
