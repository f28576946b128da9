// Binance USDⓈ-M trend follower: enters in the direction of the EMA trend when RSI confirms momentum without
// being stretched; sizes the position so that hitting the ATR stop loses risk_per_trade percent of equity;
// sets leverage, places a reduce-only stop-loss and take-profit and confirms the stop rests on the exchange,
// closing the position if it does not. Closes on a trend reversal. The discipline lives in botctl/sdk
// (runFuturesTrend), shared with universal_futures_bot.
import { defineBot, emaOrder, futuresTrendSettings, futuresTrendShape, runFuturesTrend } from 'botctl/sdk';
import { z } from 'zod';

export default defineBot({
  name: 'binance_futures_bot',
  description: 'Binance USDⓈ-M trend follower: EMA trend + RSI filter, risk-sized, reduce-only stop-loss and take-profit.',
  config: z.object(futuresTrendShape(['1h'])).refine(...emaOrder),
  async execute(ctx) {
    if (!ctx.pair.includes(':')) throw new Error(`binance_futures_bot trades perpetuals: expected a pair such as BTC/USDT:USDT, got ${ctx.pair}.`);
    // Decides on the first timeframe only; universal_futures_bot confirms across all of them.
    await runFuturesTrend(ctx, futuresTrendSettings(ctx.config, ctx.config.timeframes.slice(0, 1)));
  },
});
