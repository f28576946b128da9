// Typed errors a bot sees from ctx.exchange. The daemon's broker answers a refused call with a class name
// (ccxt's, or RiskRejected) and a message; the child rebuilds the matching class here, so a bot can write
// `catch (e) { if (e instanceof InsufficientFunds) … }` without importing ccxt.

/** Root of every error ctx.exchange throws (ccxt's BaseError). */
export class BaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
export class ExchangeError extends BaseError {}
export class AuthenticationError extends ExchangeError {}
export class PermissionDenied extends AuthenticationError {}
export class BadRequest extends ExchangeError {}
export class BadSymbol extends BadRequest {}
export class InsufficientFunds extends ExchangeError {}
export class InvalidOrder extends ExchangeError {}
export class OrderNotFound extends InvalidOrder {}
export class OrderImmediatelyFillable extends InvalidOrder {}
export class NotSupported extends ExchangeError {}
export class OperationFailed extends BaseError {}
export class NetworkError extends OperationFailed {}
export class RateLimitExceeded extends NetworkError {}
export class ExchangeNotAvailable extends NetworkError {}
export class RequestTimeout extends NetworkError {}

/** The broker refused the call before the exchange saw it: a limit of the subscription's risk_config. */
export class RiskRejected extends BaseError {}

type ErrorClass = new (message: string) => BaseError;

const classes: Record<string, ErrorClass> = {
  BaseError, ExchangeError, AuthenticationError, PermissionDenied, BadRequest, BadSymbol, InsufficientFunds, InvalidOrder,
  OrderNotFound, OrderImmediatelyFillable, NotSupported, OperationFailed, NetworkError, RateLimitExceeded,
  ExchangeNotAvailable, RequestTimeout, RiskRejected,
};

// ccxt's other classes, mapped to the nearest ancestor above (from ccxt's errorHierarchy).
const ancestors: Record<string, string> = {
  AccountNotEnabled: 'PermissionDenied', AccountSuspended: 'AuthenticationError', ArgumentsRequired: 'ExchangeError',
  OperationRejected: 'ExchangeError', NoChange: 'ExchangeError', MarginModeAlreadySet: 'ExchangeError', MarketClosed: 'ExchangeError',
  ManualInteractionNeeded: 'ExchangeError', RestrictedLocation: 'ExchangeError', InvalidAddress: 'ExchangeError',
  AddressPending: 'ExchangeError', OrderNotCached: 'InvalidOrder', OrderNotFillable: 'InvalidOrder', DuplicateOrderId: 'InvalidOrder',
  ContractUnavailable: 'InvalidOrder', DDoSProtection: 'NetworkError', OnMaintenance: 'ExchangeNotAvailable',
  InvalidNonce: 'NetworkError', ChecksumError: 'NetworkError', BadResponse: 'OperationFailed', NullResponse: 'OperationFailed',
  CancelPending: 'OperationFailed',
};

/** Rebuilds a rejected call's error: the exact class when the SDK has it, else its nearest ancestor, keeping the name. */
export function exchangeErrorFrom(error: { name?: string | undefined; message?: string | undefined } | undefined): BaseError {
  const name = error?.name ?? 'ExchangeError';
  const Class = classes[name] ?? classes[ancestors[name] ?? ''] ?? ExchangeError;
  const rebuilt = new Class(error?.message ?? 'exchange call failed');
  rebuilt.name = name;
  return rebuilt;
}
