// One ccxt client per (exchange, key, mode), created on first use and reused by every run and subscription
// after it; market metadata loaded once per (exchange, endpoints) and shared between the clients of
// different keys. ccxt is imported lazily, so no CLI command and no child ever loads it.
import type { Exchange } from 'ccxt';
import { invalid } from '../errors.js';
import { NotSupported } from '../sdk/errors.js';
import { redirectTransport } from './redirect.js';

export type Endpoints = 'live' | 'testnet';

export interface ClientSpec {
  /** ccxt exchange id, e.g. 'binanceusdm'. */
  exchange: string;
  /** 'live': production endpoints (live trading, and paper mode's public market data); 'testnet': demo or sandbox. */
  endpoints: Endpoints;
  /** Null for a public client (paper mode's market data). */
  keyName: string | null;
  /** Changes when the stored key changes, so a replaced key gets a new client. */
  fingerprint?: string;
  /** Decrypts the key; called only when the client is created. */
  credentials?: () => Promise<{ apiKey: string; secret: string; password?: string | undefined; uid?: string | undefined }>;
}

export interface ExchangeClientsOptions {
  /** ccxt's client-side rate limiter; default true. Off only for tests against a loopback fake. */
  enableRateLimit?: boolean;
  /** Called on every new client before its first request (tests route it to a fake exchange here). */
  configureClient?: (client: Exchange, spec: ClientSpec) => void;
  /** Markets are reloaded when older than this; default 6 hours. */
  marketsTtlMs?: number;
}

interface SharedMarkets {
  loaded: Promise<{ markets: Exchange['markets']; currencies: Exchange['currencies'] }>;
  at: number;
}

/**
 * Options from the environment: BOTCTL_EXCHANGE_REDIRECT=<base url> sends every request to a fake exchange
 * on this machine (tests only). Loopback only, so a stray setting can never ship signed requests elsewhere.
 */
export function clientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ExchangeClientsOptions {
  const redirect = env['BOTCTL_EXCHANGE_REDIRECT'];
  if (!redirect) return {};
  let host = '';
  try {
    host = new URL(redirect).hostname;
  } catch {
    // reported below
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host) && !host.startsWith('127.')) {
    throw invalid(`Expected BOTCTL_EXCHANGE_REDIRECT to be a loopback URL such as http://127.0.0.1:PORT (a test exchange), got ${JSON.stringify(redirect)}.`);
  }
  return { enableRateLimit: false, configureClient: (client) => redirectTransport(client, redirect) };
}

export class ExchangeClients {
  private readonly clients = new Map<string, { fingerprint: string; client: Promise<Exchange> }>();
  private readonly markets = new Map<string, SharedMarkets>();

  constructor(private readonly options: ExchangeClientsOptions = {}) {}

  /** The client for `spec`, with markets loaded. */
  async get(spec: ClientSpec): Promise<Exchange> {
    const key = `${spec.exchange}\u0000${spec.endpoints}\u0000${spec.keyName ?? ''}`;
    const fingerprint = spec.fingerprint ?? '';
    let entry = this.clients.get(key);
    if (!entry || entry.fingerprint !== fingerprint) {
      entry = { fingerprint, client: this.create(spec) };
      this.clients.set(key, entry);
      // A failed creation (bad key, unknown exchange) is not cached: the next run tries again.
      entry.client.catch(() => {
        if (this.clients.get(key) === entry) this.clients.delete(key);
      });
    }
    const client = await entry.client;
    await this.ensureMarkets(client, spec);
    return client;
  }

  /**
   * Releases every client: ccxt's websockets and its keep-alive HTTP agents. Called once, when the broker's
   * process is done (botd stopping, `botctl run` finishing); later calls to get() create fresh clients.
   */
  async close(): Promise<void> {
    const entries = [...this.clients.values()];
    this.clients.clear();
    this.markets.clear();
    await Promise.all(
      entries.map(async ({ client: creating }) => {
        const client = await creating.catch(() => undefined);
        if (!client) return;
        await client.close();
        const agents = client as unknown as { httpAgent?: { destroy?(): void }; httpsAgent?: { destroy?(): void }; fetchDispatcher?: { close?(): Promise<void> } };
        agents.httpAgent?.destroy?.();
        agents.httpsAgent?.destroy?.();
        await agents.fetchDispatcher?.close?.();
      }),
    );
  }

  /** How many distinct clients exist (for tests and the bench). */
  get size(): number {
    return this.clients.size;
  }

  private async create(spec: ClientSpec): Promise<Exchange> {
    const ccxt = (await import('ccxt')).default as unknown as Record<string, unknown> & { exchanges: string[] };
    if (!ccxt.exchanges.includes(spec.exchange)) {
      throw new NotSupported(`ccxt has no exchange ${JSON.stringify(spec.exchange)} (bots.exchange_type).`);
    }
    const Class = ccxt[spec.exchange] as new (config: Record<string, unknown>) => Exchange;
    const credentials = spec.credentials ? await spec.credentials() : {};
    const client = new Class({
      ...credentials,
      enableRateLimit: this.options.enableRateLimit ?? true,
      // Markets only: currencies and margin modes cost signed /sapi calls on Binance and nothing here needs them.
      options: {
        fetchCurrencies: false,
        fetchMargins: false,
        ...(spec.exchange === 'binance' ? { fetchMarkets: { types: ['spot', 'linear'] } } : {}),
      },
    });
    if (spec.endpoints === 'testnet') useTestEndpoints(client);
    this.options.configureClient?.(client, spec);
    return client;
  }

  // The first client of an (exchange, endpoints) loads markets; the others adopt them with setMarkets.
  private async ensureMarkets(client: Exchange, spec: ClientSpec): Promise<void> {
    const key = `${spec.exchange}\u0000${spec.endpoints}`;
    const ttl = this.options.marketsTtlMs ?? 6 * 3_600_000;
    let shared = this.markets.get(key);
    if (!shared || Date.now() - shared.at > ttl) {
      const loading = client.loadMarkets(shared !== undefined).then(() => ({ markets: client.markets, currencies: client.currencies }));
      shared = { loaded: loading, at: Date.now() };
      this.markets.set(key, shared);
      const attempt = shared;
      loading.catch(() => {
        if (this.markets.get(key) === attempt) this.markets.delete(key);
      });
    }
    const { markets, currencies } = await shared.loaded;
    if (client.markets !== markets) client.setMarkets(markets, currencies as never);
  }
}

// ccxt's demo trading where the exchange has it (Binance refuses sandbox mode for signed futures calls
// now), else its sandbox URLs; an exchange with neither cannot run a testnet subscription.
export function useTestEndpoints(client: Exchange): void {
  const urls = client.urls as Record<string, unknown>;
  if (urls['demo'] !== undefined || overridesDemoTrading(client)) client.enableDemoTrading(true);
  else if (urls['test'] !== undefined) client.setSandboxMode(true);
  else throw new NotSupported(`${client.id} has neither demo-trading nor sandbox endpoints in ccxt: use mode paper or live.`);
}

// Bybit implements demo trading without a urls.demo entry, by overriding ccxt's base enableDemoTrading.
function overridesDemoTrading(client: Exchange): boolean {
  let base: object = client;
  while (Object.getPrototypeOf(base) !== null && Object.getPrototypeOf(base) !== Object.prototype) base = Object.getPrototypeOf(base) as object;
  return client.enableDemoTrading !== (base as Exchange).enableDemoTrading;
}
