// What the child hands a bot and sends back for it, shared by one execution (child.ts) and a backtest's slots
// (backtest-loop.ts): the bot's `ctx`, a thrown value as a BotError, an exchange call's arguments as sent.
import { exchangeMethods } from '../sdk/exchange-methods.js';
import type { BotContext, BotExchange, SignalInput } from '../sdk/types.js';
import type { BotError, ChildMessage, StartMessage } from './protocol.js';

/** Each method of the exchange and how many arguments it sends. */
const methodArity = Object.entries(exchangeMethods).map(([method, spec]) => [method, spec.arity] as const);

type StateMap = { get(key: string): unknown; set(key: string, value: unknown): unknown; delete(key: string): unknown };
type ContextStart = Pick<StartMessage, 'exchangeId' | 'pair' | 'mode' | 'subscriptionId' | 'runId' | 'scheduledFor'>;

/** The `ctx` a bot's execute() gets: exchange calls and logs go out through `call` and `send`. */
export function botContext(start: ContextStart, config: unknown, state: StateMap, call: (method: string, args: unknown[]) => Promise<never>, send: (message: ChildMessage) => void, abortSignal: AbortSignal): BotContext<unknown> {
  return botContexts(start, config, () => state, call, send, abortSignal)(start.runId, start.scheduledFor);
}

/**
 * A `ctx` for each of many executions in one process (a backtest's slots): the functions are made once and each ctx
 * gets its own objects holding them, so that what a bot changes on one ctx is gone at the next, as it is between runs.
 * `state` is read at each call: a function kept from an earlier slot acts on the slot now running.
 */
export function botContexts(
  start: Omit<ContextStart, 'runId' | 'scheduledFor'>,
  config: unknown,
  state: () => StateMap,
  call: (method: string, args: unknown[]) => Promise<never>,
  send: (message: ChildMessage) => void,
  abortSignal: AbortSignal,
): (runId: number, scheduledFor: string) => BotContext<unknown> {
  // One stub per method of the table; arguments past a method's arity are not sent (the broker drops them too).
  const stubs = { id: start.exchangeId } as Record<string, unknown>;
  for (const [method, arity] of methodArity) stubs[method] = (...args: unknown[]) => call(method, args.slice(0, arity));
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) =>
    send({ type: 'log', level, message: String(message), ...(fields ? { fields } : {}) });
  const logs = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const stateFunctions: BotContext<unknown>['state'] = {
    get: async (key) => {
      const value = state().get(key);
      // A copy, so the bot's changes reach the state only through set(); a number or a string is its own copy.
      return typeof value === 'object' && value !== null ? structuredClone(value) : value;
    },
    set: async (key, value) => {
      // Only JSON survives to the next run; reject the rest here, where the bot can see why.
      state().set(key, JSON.parse(JSON.stringify(value ?? null)) as unknown);
    },
    delete: async (key) => {
      state().delete(key);
    },
  };
  const signal = async (input: SignalInput) => send({ type: 'signal', signal: { ...input, symbol: input.symbol ?? start.pair } });
  return (runId, scheduledFor) => ({
    config,
    pair: start.pair,
    mode: start.mode,
    subscriptionId: start.subscriptionId,
    runId,
    scheduledFor,
    exchange: { ...stubs } as unknown as BotExchange,
    abortSignal,
    log: { ...logs },
    state: { ...stateFunctions },
    signal,
  });
}

// Name, message and stack, plus what says why Node refused: its code (ERR_ACCESS_DENIED) and, from the
// permission model, the permission and the resource asked for.
export function botError(error: unknown): BotError {
  const e = error instanceof Error ? error : new Error(String(error));
  const { code, permission, resource } = e as Error & { code?: unknown; permission?: unknown; resource?: unknown };
  const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : undefined);
  const fields = { code: text(code), permission: text(permission), resource: text(resource) };
  return {
    name: e.name,
    message: e.message,
    ...(e.stack ? { stack: e.stack } : {}),
    ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
  };
}

export function trimTrailingUndefined(args: unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  // JSON turns inner undefined into null, which ccxt treats as "not given" too.
  return args.slice(0, end);
}
