// What bot authors import as `botctl/sdk`.
export { defineBot, isDefinedBot, type DefinedBot } from './define-bot.js';
export type * from './types.js';
export * from './errors.js';
// Strategy helpers: sizing from risk and stop distance, rounding to market precision, crossovers, trend
// signals, declarative rules, protective orders. Pure functions over trading-signals; no ccxt at run time.
export * from './strategy/index.js';
// Indicators come from trading-signals, a maintained library, rather than being hand-rolled here.
// Re-exported by name so a bundle carries only the indicators its bot uses.
export * from 'trading-signals';
