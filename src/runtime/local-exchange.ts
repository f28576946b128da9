// A backtest child's own exchange: the risk guard and paper fill engine built into the backtest's bot module
// (src/backtest/child-exchange.ts, through the bundle's stub), so that a slot's orders need no round trip to the
// parent. The parent still serves every call again through its own book, checks each answer against the one the
// bot got here, and reports only its own results (src/backtest/child-driver.ts): the bot shares this process with
// the engine, so nothing the engine says here is taken on trust.
import type { CandleSeries } from '../market-data/candle-series.js';

export interface LocalExchange {
  /** Serves one call of slot `slot` at simulated time `at`, and keeps it for the parent; the answer is the bot's own copy. */
  call(slot: number, at: number, method: string, args: unknown[]): Promise<unknown>;
  /** Serves the calls still waiting, sends those not yet sent to the parent, and says how many it served in all. */
  flush(): Promise<number>;
}

/**
 * Sets up one backtest run's exchange from the start's `engine` (opaque here: the backtest layer made it) and the
 * candles the child holds; `send` writes a message to the parent.
 */
export type LocalExchangeFactory = (setup: unknown, series: CandleSeries, run: number, send: (message: unknown) => void) => LocalExchange;
