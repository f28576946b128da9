// The protective-order discipline of the futures templates, through ctx.exchange: enter, place a reduce-only
// stop-loss (and take-profit), confirm the stop rests on the exchange, and close the position if it does not.
import type { Order, Position } from 'ccxt';
import type { BotExchange } from '../types.js';

export type Side = 'long' | 'short';

export interface ProtectedEntryInput {
  symbol: string;
  side: Side;
  amount: number;
  stopLoss: number;
  takeProfit?: number | undefined;
}

export interface ProtectedEntry {
  entry: Order;
  stopLoss: Order;
  takeProfit: Order | null;
}

/** The stop could not be placed or confirmed; the position was closed (`closed`) so it never stays unprotected. */
export class ProtectionFailed extends Error {
  constructor(message: string, readonly closed: Order | null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtectionFailed';
  }
}

const exitSideOf = (side: Side) => (side === 'long' ? 'sell' : 'buy');

export async function enterWithProtection(exchange: BotExchange, input: ProtectedEntryInput): Promise<ProtectedEntry> {
  const { symbol, side, stopLoss, takeProfit } = input;
  const exitSide = exitSideOf(side);
  const entry = await exchange.createOrder(symbol, 'market', side === 'long' ? 'buy' : 'sell', input.amount, undefined, { intent: 'entry' });
  // Some exchanges answer a market order before it reports its fill; the requested amount is then the position.
  const amount = entry.filled !== undefined && entry.filled > 0 ? entry.filled : input.amount;
  const placed: Order[] = [];
  let stop: Order;
  let target: Order | null = null;
  try {
    stop = await exchange.createOrder(symbol, 'market', exitSide, amount, undefined, { stopLossPrice: stopLoss, reduceOnly: true, intent: 'stop-loss' });
    placed.push(stop);
    if (takeProfit !== undefined) {
      target = await exchange.createOrder(symbol, 'market', exitSide, amount, undefined, { takeProfitPrice: takeProfit, reduceOnly: true, intent: 'take-profit' });
      placed.push(target);
    }
  } catch (error) {
    const closed = await closeUnprotected(exchange, symbol, side, amount, placed);
    throw new ProtectionFailed(`could not place the protective orders (${describe(error)}); closed the position`, closed, { cause: error });
  }
  if (!(await findOpenOrder(exchange, symbol, stop))) {
    const closed = await closeUnprotected(exchange, symbol, side, amount, placed);
    throw new ProtectionFailed(`the stop-loss ${stop.id} is not among the open orders on ${exchange.id}; closed the position`, closed);
  }
  return { entry, stopLoss: stop, takeProfit: target };
}

/** An order still open on the exchange, looked up among trigger orders first, then regular ones. */
export async function findOpenOrder(exchange: BotExchange, symbol: string, order: { id?: string | undefined; clientOrderId?: string | undefined }): Promise<Order | null> {
  const matches = (o: Order) => o.id === order.id || (order.clientOrderId !== undefined && o.clientOrderId === order.clientOrderId);
  for (const params of [{ trigger: true }, {}]) {
    let open: Order[];
    try {
      open = await exchange.fetchOpenOrders(symbol, undefined, undefined, params);
    } catch {
      continue; // an exchange without a separate trigger list refuses the flag
    }
    const found = open.find(matches);
    if (found) return found;
  }
  return null;
}

/** Closes `amount` of the position with a reduce-only market order, after cancelling the given orders. */
export async function closeUnprotected(exchange: BotExchange, symbol: string, side: Side, amount: number, cancel: readonly Order[] = []): Promise<Order | null> {
  for (const order of cancel) await cancelQuietly(exchange, order, symbol);
  return exchange.createOrder(symbol, 'market', exitSideOf(side), amount, undefined, { reduceOnly: true, intent: 'emergency-close' });
}

/** Closes an open position with a reduce-only market order. */
export async function closePosition(exchange: BotExchange, position: OpenPosition, intent = 'close'): Promise<Order> {
  return exchange.createOrder(position.symbol, 'market', exitSideOf(position.side), position.amount, undefined, { reduceOnly: true, intent });
}

/**
 * Cancels an order, treating "already gone" (filled, triggered, cancelled) as done. Trigger orders (those with
 * a triggerPrice) are cancelled with `{ trigger: true }`, which exchanges with a separate stop book need.
 */
export async function cancelQuietly(
  exchange: BotExchange,
  order: { id?: string | undefined; triggerPrice?: number | undefined },
  symbol: string,
  params: Record<string, unknown> = order.triggerPrice ? { trigger: true } : {},
): Promise<boolean> {
  if (order.id === undefined) return false;
  try {
    await exchange.cancelOrder(order.id, symbol, params);
    return true;
  } catch (error) {
    if ((error as Error).name === 'OrderNotFound' || (error as Error).name === 'InvalidOrder') return false;
    throw error;
  }
}

export interface OpenPosition {
  symbol: string;
  side: Side;
  /** Contracts (base amount for linear USDⓈ-M), always positive. */
  amount: number;
  entryPrice: number | null;
}

/** The open position on `symbol`, or null when flat. */
export function openPosition(positions: readonly Position[], symbol: string): OpenPosition | null {
  for (const p of positions) {
    const contracts = Math.abs(Number(p.contracts ?? 0));
    if (p.symbol !== symbol || !(contracts > 0)) continue;
    const side: Side = p.side === 'short' ? 'short' : 'long';
    return { symbol, side, amount: contracts, entryPrice: p.entryPrice ?? null };
  }
  return null;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
