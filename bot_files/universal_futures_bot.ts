// The binance_futures_bot discipline on any ccxt futures exchange: EMA trend + RSI entries on the first
// timeframe, confirmed by the EMA trend of every further timeframe (default 15m, confirmed by 1h);
// risk-sized; reduce-only stop-loss and take-profit, the stop confirmed on the exchange or the position closed.
import { defineBot, emaOrder, futuresTrendSettings, futuresTrendShape, runFuturesTrend } from 'botctl/sdk';
import { z } from 'zod';

export default defineBot({
  name: 'universal_futures_bot',
  description: 'Trend follower for any ccxt futures exchange, with multi-timeframe confirmation and protective orders.',
  config: z
    .object({
      // The ccxt exchange id this config was written for; a run on a bot created for another exchange refuses.
      exchange_type: z.string().regex(/^[a-z][a-z0-9]{1,31}$/).optional(),
      ...futuresTrendShape(['15m', '1h']),
    })
    .refine(...emaOrder),
  async execute(ctx) {
    const { exchange_type } = ctx.config;
    if (exchange_type !== undefined && exchange_type !== ctx.exchange.id) {
      throw new Error(`config.exchange_type is ${exchange_type}, but this bot trades on ${ctx.exchange.id} (botctl create --exchange).`);
    }
    if (!ctx.pair.includes(':')) throw new Error(`universal_futures_bot trades futures: expected a pair such as BTC/USDT:USDT, got ${ctx.pair}.`);
    await runFuturesTrend(ctx, futuresTrendSettings(ctx.config));
  },
});
