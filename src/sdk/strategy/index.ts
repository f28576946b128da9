// Strategy building blocks shared by the template bots, and offered to custom bots: pure decision functions
// (testable on synthetic candles) and the protective-order sequence through ctx.exchange.
export * from './candles.js';
export * from './precision.js';
export * from './sizing.js';
export * from './crossover.js';
export * from './trend.js';
export * from './indicators.js';
export * from './rules.js';
export * from './protective.js';
export * from './config.js';
export * from './futures.js';
