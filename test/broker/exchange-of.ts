// ctx.exchange as the child builds it, but calling a broker session in-process (no IPC): what a bot sees.
import type { ExchangeSession } from '../../src/broker/session.js';
import { exchangeErrorFrom } from '../../src/sdk/errors.js';
import type { BotContext, BotExchange, SignalInput } from '../../src/sdk/types.js';

export function exchangeOf(session: ExchangeSession, id = 'paper'): BotExchange {
  // Errors cross IPC as {name, message} and are rebuilt as the SDK's classes; do the same here.
  const call = (method: string) => async (...args: unknown[]): Promise<never> => {
    try {
      return JSON.parse(JSON.stringify((await session.call(method, args)) ?? null)) as never;
    } catch (error) {
      const e = error as Error;
      throw exchangeErrorFrom({ name: e.name, message: e.message });
    }
  };
  return {
    id,
    loadMarkets: call('loadMarkets'),
    market: call('market'),
    fetchOHLCV: call('fetchOHLCV'),
    fetchTicker: call('fetchTicker'),
    fetchBalance: call('fetchBalance'),
    fetchPositions: call('fetchPositions'),
    fetchOpenOrders: call('fetchOpenOrders'),
    createOrder: call('createOrder'),
    cancelOrder: call('cancelOrder'),
    setLeverage: call('setLeverage'),
  };
}

export interface TestContext<Config> extends BotContext<Config> {
  signals: SignalInput[];
  logs: string[];
  stateMap: Map<string, unknown>;
}

/** A bot context over a session, with state, signals and logs kept in memory as the runner would. */
export function contextOf<Config>(session: ExchangeSession, input: { config: Config; pair: string; state?: Record<string, unknown>; exchangeId?: string }): TestContext<Config> {
  const stateMap = new Map(Object.entries(input.state ?? {}));
  const signals: SignalInput[] = [];
  const logs: string[] = [];
  const log = (level: string) => (message: string) => void logs.push(`${level}: ${message}`);
  return {
    config: input.config,
    pair: input.pair,
    mode: 'paper',
    subscriptionId: 0,
    runId: 0,
    scheduledFor: new Date().toISOString(),
    exchange: exchangeOf(session, input.exchangeId),
    abortSignal: new AbortController().signal,
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    state: {
      get: async (key) => structuredClone(stateMap.get(key)),
      set: async (key, value) => void stateMap.set(key, JSON.parse(JSON.stringify(value ?? null))),
      delete: async (key) => void stateMap.delete(key),
    },
    signal: async (signal) => void signals.push({ ...signal, symbol: signal.symbol ?? input.pair }),
    signals,
    logs,
    stateMap,
  };
}
