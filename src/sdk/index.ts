// What bot authors import as `botctl/sdk`.
export { defineBot, isDefinedBot, type DefinedBot } from './define-bot.js';
export type * from './types.js';
// By name rather than `export *`: a bot started from the runtime snapshot gets these from there (the runtime throws
// them into the bot, and one set of classes keeps instanceof true), and esbuild can only trim the rest of the SDK
// to what a bot uses around a shared module whose names it knows.
export {
  BaseError,
  ExchangeError,
  AuthenticationError,
  PermissionDenied,
  BadRequest,
  BadSymbol,
  InsufficientFunds,
  InvalidOrder,
  OrderNotFound,
  OrderImmediatelyFillable,
  NotSupported,
  OperationFailed,
  NetworkError,
  RateLimitExceeded,
  ExchangeNotAvailable,
  RequestTimeout,
  RiskRejected,
  exchangeErrorFrom,
} from './errors.js';
// Strategy helpers: sizing from risk and stop distance, rounding to market precision, crossovers, trend
// signals, declarative rules, protective orders. Pure functions over trading-signals; no ccxt at run time.
export * from './strategy/index.js';
// Indicators come from trading-signals, a maintained library, rather than being hand-rolled here.
// Re-exported by name so a bundle carries only the indicators its bot uses.
export * from 'trading-signals';
