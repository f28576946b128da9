// What a bot's createOrder call asks for, normalised once, before the risk guard, the ledger, the paper
// exchange or ccxt see it: type and side lower-cased and from a known set, every number finite and positive,
// one trigger price at most. A malformed request never becomes an order (nothing is sent or recorded); the bot
// gets RiskRejected naming the field, what was expected and what arrived.
//
// The bot's price is kept only where the order type uses one. ccxt turns a Binance spot market buy's price
// into a quote amount (quoteOrderQty = amount × price), so a price the guard does not value an order at must
// not reach ccxt either.
import { RiskRejected } from '../sdk/errors.js';

export const orderTypes = ['market', 'limit', 'stop_market', 'take_profit_market'] as const;
export type OrderType = (typeof orderTypes)[number];
export type OrderSide = 'buy' | 'sell';

const triggerKeys = ['triggerPrice', 'stopPrice', 'stopLossPrice', 'takeProfitPrice'] as const;

export interface OrderRequest {
  symbol: string;
  type: OrderType;
  side: OrderSide;
  /** In contracts (base units on spot). Undefined only for closePosition: the position decides it when placed. */
  amount: number | undefined;
  /** The limit price: set for limit orders only. */
  price: number | undefined;
  /** The stop or take-profit trigger price, from whichever ccxt param carried it. */
  trigger: number | undefined;
  reduceOnly: boolean;
  closePosition: boolean;
  /** The params passed on, checked against the allowed list by the caller. */
  params: Record<string, unknown>;
}

export function parseOrder(args: readonly unknown[], params: Record<string, unknown>): OrderRequest {
  const [symbol, rawType, rawSide, rawAmount, rawPrice] = args;
  const type = lowerCase(rawType);
  if (!(orderTypes as readonly string[]).includes(type ?? '')) {
    throw new RiskRejected(`order type must be one of ${orderTypes.join(', ')}, got ${shown(rawType)}.`);
  }
  const side = lowerCase(rawSide);
  if (side !== 'buy' && side !== 'sell') throw new RiskRejected(`order side must be buy or sell, got ${shown(rawSide)}.`);
  const reduceOnly = flag(params, 'reduceOnly');
  const closePosition = flag(params, 'closePosition');
  const amount = closePosition && rawAmount === undefined ? undefined : positive('order amount', rawAmount);
  const price = type === 'limit' ? positive('limit order price', rawPrice) : undefined;
  const given = triggerKeys.filter((key) => params[key] !== undefined);
  if (given.length > 1) throw new RiskRejected(`an order takes one trigger price, got ${given.join(' and ')}.`);
  const trigger = given[0] === undefined ? undefined : positive(`params.${given[0]}`, params[given[0]]);
  if (trigger === undefined && (type === 'stop_market' || type === 'take_profit_market')) {
    throw new RiskRejected(`${type} orders need a trigger price (params.triggerPrice, stopPrice, stopLossPrice or takeProfitPrice).`);
  }
  return { symbol: String(symbol), type: type as OrderType, side, amount, price, trigger, reduceOnly, closePosition, params };
}

function lowerCase(value: unknown): string | undefined {
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

function flag(params: Record<string, unknown>, key: string): boolean {
  const value = params[key];
  if (value === undefined || typeof value === 'boolean') return value === true;
  throw new RiskRejected(`params.${key} must be true or false, got ${shown(value)}.`);
}

function positive(field: string, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  throw new RiskRejected(`${field} must be a finite number above 0, got ${shown(value)}.`);
}

/** What arrived, short: a bot's values end up in error text. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' || value == null ? String(value) : JSON.stringify(value) ?? typeof value;
  } catch {
    text = typeof value;
  }
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
