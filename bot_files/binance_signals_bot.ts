// Computes indicators and records trading signals; never places an order. A signal is recorded when the
// reading changes (long, short, overbought, oversold, neutral), or on every run with emit: 'every_run'.
import { closedCandles, computeIndicators, defineBot, emaOrder, toCandles, trendSignal } from 'botctl/sdk';
import { z } from 'zod';

export default defineBot({
  name: 'binance_signals_bot',
  description: 'Indicator signals only (EMA trend, RSI, ATR): records signals, never places an order.',
  config: z
    .object({
      timeframe: z.string().default('1h'),
      ema_fast: z.number().int().min(2).default(21),
      ema_slow: z.number().int().min(3).default(55),
      rsi_period: z.number().int().min(2).default(14),
      rsi_overbought: z.number().min(50).max(100).default(70),
      rsi_oversold: z.number().min(0).max(50).default(30),
      atr_period: z.number().int().min(2).default(14),
      emit: z.enum(['changes', 'every_run']).default('changes'),
    })
    .refine(...emaOrder),
  async execute(ctx) {
    const c = ctx.config;
    const limit = Math.max(c.ema_slow, c.rsi_period, c.atr_period) * 3 + 2;
    const candles = closedCandles(toCandles(await ctx.exchange.fetchOHLCV(ctx.pair, c.timeframe, undefined, limit)), c.timeframe, Date.now());
    const trend = trendSignal(candles, {
      emaFast: c.ema_fast, emaSlow: c.ema_slow, rsiPeriod: c.rsi_period, atrPeriod: c.atr_period,
      rsiLongMin: 50, rsiLongMax: c.rsi_overbought, rsiShortMin: c.rsi_oversold, rsiShortMax: 50,
    });
    const rsi = trend.rsi;
    const action = trend.direction ?? (rsi === null ? 'neutral' : rsi > c.rsi_overbought ? 'overbought' : rsi < c.rsi_oversold ? 'oversold' : 'neutral');
    const { current } = computeIndicators(candles, ['close', `ema_${c.ema_fast}`, `ema_${c.ema_slow}`, `rsi_${c.rsi_period}`, `atr_${c.atr_period}`]);
    const last = await ctx.state.get('last_action');
    ctx.log.info(`${ctx.pair} ${c.timeframe}: ${action} (${trend.reason})`);
    if (c.emit === 'changes' && action === last) return;
    await ctx.signal({ action, reason: trend.reason, data: { timeframe: c.timeframe, candle_time: candles.at(-1)?.time ?? null, ...current } });
    await ctx.state.set('last_action', action);
  },
});
