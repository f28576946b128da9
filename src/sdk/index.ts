// What bot authors import as `botctl/sdk`.
export { defineBot, isDefinedBot, type DefinedBot } from './define-bot.js';
export type * from './types.js';
// Indicators come from trading-signals, a maintained library, rather than being hand-rolled here.
// Re-exported by name so a bundle carries only the indicators its bot uses.
export * from 'trading-signals';
