// Label values come from closed sets, so a scrape's series stay bounded and no label holds a secret or free
// text: a bot may call any method name or throw any error, but only known ones become label values.
import { exchangeMethods } from '../sdk/exchange-methods.js';

/** The calls the broker serves: the exchange-method table's; anything else a bot asks for is `other`. */
const brokerMethods = new Set<string>(Object.keys(exchangeMethods));
const orderStatuses = new Set(['open', 'closed', 'canceled', 'expired', 'rejected', 'unknown']);
const modes = new Set(['paper', 'testnet', 'live']);

export function brokerMethod(method: string): string {
  return brokerMethods.has(method) ? method : 'other';
}

/** Error class names (ccxt's, ours): an identifier of at most 40 characters, else `Error`. */
export function errorClass(name: string): string {
  return /^[A-Z][A-Za-z0-9]{0,39}$/.test(name) ? name : 'Error';
}

export function orderStatus(status: string): string {
  return orderStatuses.has(status) ? status : 'other';
}

export function mode(value: string): string {
  return modes.has(value) ? value : 'other';
}

/** Bot names and exchange ids are validated identifiers (src/bots/names.ts); anything else is `other`. */
export function identifier(value: string | null | undefined): string {
  return value && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value) ? value : 'other';
}

// The risk guard's refusals (src/broker/risk-guard.ts, src/broker/broker-session.ts) by what they protect. Matched on
// the guard's own wording; a refusal worded otherwise counts as `other`.
const refusalReasons: [RegExp, string][] = [
  [/this subscription trades .* only/, 'symbol'],
  [/max_orders_per_run/, 'orders_per_run'],
  [/max_position_size|position/, 'position_size'],
  [/max_order_notional/, 'order_notional'],
  [/leverage/, 'leverage'],
  [/params/, 'params'],
  [/not placed by subscription/, 'foreign_order'],
  [/order side must be|order amount must be/, 'invalid_order'],
];

export function refusalReason(message: string): string {
  for (const [pattern, reason] of refusalReasons) if (pattern.test(message)) return reason;
  return 'other';
}
