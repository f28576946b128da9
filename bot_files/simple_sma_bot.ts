// Spot SMA crossover, long or flat: buys when the fast SMA crosses above the slow one, sells what it bought
// when it crosses back below. Decides on closed candles only.
import {
  amountToStep, capitalManagementSchema, closedCandles, closes, crossoverAction, defineBot, equityIn, smaCrossover, toCandles,
} from 'botctl/sdk';
import { z } from 'zod';

export default defineBot({
  name: 'simple_sma_bot',
  description: 'Spot SMA fast/slow crossover: long when fast crosses above slow, flat when it crosses below.',
  config: z
    .object({
      timeframe: z.string().default('1h'),
      fast: z.number().int().min(2).default(9),
      slow: z.number().int().min(3).default(21),
      capital_management: capitalManagementSchema({ max_position_size: 25, risk_per_trade: 1 }),
    })
    .refine((c) => c.fast < c.slow, { message: 'fast must be shorter than slow', path: ['fast'] }),
  async execute(ctx) {
    const { fast, slow, timeframe, capital_management } = ctx.config;
    const candles = toCandles(await ctx.exchange.fetchOHLCV(ctx.pair, timeframe, undefined, slow + 3));
    const price = candles.at(-1)?.close;
    const crossover = smaCrossover(closes(closedCandles(candles, timeframe, Date.now())), fast, slow);
    const holding = Number((await ctx.state.get('holding')) ?? 0);
    const action = crossoverAction(crossover, holding > 0);
    ctx.log.info(`SMA${fast} ${crossover.fast?.toFixed(2)} vs SMA${slow} ${crossover.slow?.toFixed(2)}: cross ${crossover.cross ?? 'none'}, holding ${holding}, ${action}`);
    if (action === 'hold' || price === undefined) return;

    const market = await ctx.exchange.market(ctx.pair);
    const balance = await ctx.exchange.fetchBalance();
    const data = { fast: crossover.fast, slow: crossover.slow, price };
    if (action === 'buy') {
      const equity = equityIn(balance, market.quote) + equityIn(balance, market.base) * price;
      const free = Number((balance[market.quote] as { free?: number } | undefined)?.free ?? 0);
      // Keep 1% of the free quote for fees and the move between the price read and the fill.
      const spend = Math.min((equity * capital_management.max_position_size) / 100, free * 0.99);
      const amount = amountToStep(market, spend / price);
      if (amount <= 0 || amount < (market.limits.amount?.min ?? 0) || amount * price < (market.limits.cost?.min ?? 0)) {
        ctx.log.warn(`no buy: ${spend.toFixed(2)} ${market.quote} is below the market minimum`);
        return;
      }
      const order = await ctx.exchange.createOrder(ctx.pair, 'market', 'buy', amount, undefined, { intent: 'buy' });
      await ctx.state.set('holding', order.filled || amount);
      await ctx.signal({ action: 'buy', reason: `SMA${fast} crossed above SMA${slow}`, data: { ...data, amount } });
    } else {
      const free = Number((balance[market.base] as { free?: number } | undefined)?.free ?? 0);
      const amount = amountToStep(market, Math.min(holding, free));
      if (amount > 0) await ctx.exchange.createOrder(ctx.pair, 'market', 'sell', amount, undefined, { intent: 'sell' });
      await ctx.state.set('holding', 0);
      await ctx.signal({ action: 'sell', reason: `SMA${fast} crossed below SMA${slow}`, data: { ...data, amount } });
    }
  },
});
