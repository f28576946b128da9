// botd's exchange sessions, watched: each ctx.exchange call the broker serves is reported on the event bus
// (exchange, method, error class), each order the venue accepted (with entry/exit, fill, price and P&L when
// the venue reports it) and each refusal of the risk guard. Wrapping the factory keeps the broker unaware of
// observers; the call itself, its answer and its error pass through untouched.
import type { EventBus } from '../events/daemon-events.js';
import type { ExchangeRun, ExchangeSession, ExchangeSessionFactory } from '../broker/session.js';
import { errorText } from '../errors.js';

export function observedSessions(factory: ExchangeSessionFactory, bus: EventBus): ExchangeSessionFactory {
  return async (run) => {
    const session = await factory(run);
    return {
      ...session,
      orders: () => session.orders(),
      ...(session.commit ? { commit: session.commit.bind(session) } : {}),
      ...(session.close ? { close: session.close.bind(session) } : {}),
      call: async (method, args) => {
        try {
          const value = await session.call(method, args);
          bus.emit({ type: 'broker-request', exchange: run.bot.exchange_type, method, error: null });
          if (method === 'createOrder') reportOrder(bus, run, args, value);
          return value;
        } catch (error) {
          const name = error instanceof Error ? error.name : 'Error';
          bus.emit({ type: 'broker-request', exchange: run.bot.exchange_type, method, error: name });
          if (name === 'RiskRejected') {
            const s = run.subscription;
            bus.emit({
              type: 'order-refused', runId: run.runId, subscriptionId: s.id, subscriptionName: s.name, bot: run.bot.name, mode: s.mode,
              method, message: errorText(error),
            });
          }
          throw error;
        }
      },
    } satisfies ExchangeSession;
  };
}

function reportOrder(bus: EventBus, run: ExchangeRun, args: unknown[], value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  const order = value as Record<string, unknown>;
  const params = (typeof args[5] === 'object' && args[5] !== null ? args[5] : {}) as Record<string, unknown>;
  const symbol = String(order.symbol ?? args[0] ?? '');
  const side = String(order.side ?? args[2] ?? '');
  const s = run.subscription;
  bus.emit({
    type: 'order', runId: run.runId, subscriptionId: s.id, subscriptionName: s.name, bot: run.bot.name, exchange: run.bot.exchange_type, mode: s.mode,
    symbol, side, orderType: String(order.type ?? args[1] ?? ''),
    intent: isExit(symbol, side, params) ? 'exit' : 'entry',
    status: typeof order.status === 'string' ? order.status : 'open',
    amount: numberOrNull(order.amount ?? args[3]),
    filled: numberOrNull(order.filled),
    price: numberOrNull(order.average) ?? numberOrNull(order.price),
    pnl: realizedPnl(order),
  });
}

// Reduce-only and close-position orders, stops and take-profits close; on spot (no settle currency in the
// symbol), selling the base currency is an exit.
function isExit(symbol: string, side: string, params: Record<string, unknown>): boolean {
  if (params['reduceOnly'] === true || params['closePosition'] === true) return true;
  if (typeof params['stopLossPrice'] === 'number' || typeof params['takeProfitPrice'] === 'number') return true;
  return !symbol.includes(':') && side === 'sell';
}

/** ccxt leaves P&L to the venue's raw answer: Binance futures and the paper engine call it realizedPnl. */
function realizedPnl(order: Record<string, unknown>): number | null {
  const info = (typeof order.info === 'object' && order.info !== null ? order.info : {}) as Record<string, unknown>;
  return numberOrNull(info['realizedPnl'] ?? order['realizedPnl']);
}

function numberOrNull(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}
