// The candle store and the view of candles at a moment. The child runtime embeds candle-series and candle-view
// (backtests answer market data in the child), so this folder is part of the runtime's identity (bots/bundle.ts).
export * from './candle-series.js';
export * from './candle-view.js';
export { CandleStore, type StoredSeriesInfo, type SymbolMeta } from './candle-store.js';
