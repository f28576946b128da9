import { defineBot } from 'botctl/sdk';
import { z } from 'zod';

export default defineBot({
  name: 'my_bot',
  description: 'one line for `botctl templates`',
  config: z.object({ fast: z.number().int().default(9), slow: z.number().int().default(21) }),
  async execute(ctx) {
    const candles = await ctx.exchange.fetchOHLCV(ctx.pair, '1h', undefined, 50);
    const runs = Number((await ctx.state.get('runs')) ?? 0) + 1;
    await ctx.state.set('runs', runs);
    ctx.log.info(`run ${runs}: ${candles.length} candles`);
  },
});
