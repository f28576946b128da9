import { defineBot } from 'botctl/sdk';
import { z } from 'zod';

export default defineBot({
  name: 'binance_signals_bot',
  description: 'Placeholder for binance_signals_bot (strategy lands with the broker).',
  config: z.object({
    timeframe: z.string().default('1h'),
    fast: z.number().int().min(2).default(9),
    slow: z.number().int().min(3).default(21),
    capital_management: z
      .object({
        max_position_size: z.number().min(0).max(100).default(10),
        risk_per_trade: z.number().min(0).max(100).default(1),
      })
      .default({ max_position_size: 10, risk_per_trade: 1 }),
  }),
  async execute(ctx) {
    const candles = await ctx.exchange.fetchOHLCV(ctx.pair, ctx.config.timeframe, undefined, ctx.config.slow + 2);
    ctx.log.info(`fetched ${candles.length} candles`);
  },
});
