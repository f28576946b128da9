// Rule-driven automation for Binance USDⓈ-M: a playbook of declarative rules in config. Each rule names the
// position it applies to, a condition on indicator values and an action (open_long, open_short, close,
// signal) with a size; the first rule that holds acts. Opens are protected like the trend bots: reduce-only
// stop-loss (and take-profit), the stop confirmed on the exchange. An operator automates a manual routine by
// editing config, not code.
import {
  candlesNeeded, capitalManagementSchema, closeProtectedPosition, closedCandles, computeIndicators, defineBot, evaluateRules,
  openProtectedPosition, ruleIndicatorKeys, ruleSchema, syncProtection, toCandles,
} from 'botctl/sdk';
import { z } from 'zod';

type RuleInput = z.input<typeof ruleSchema>;

const defaultPlaybook: RuleInput[] = [
  { name: 'trend-break-exit', position: 'long', when: { left: 'close', op: 'crosses_below', right: 'ema_50' }, action: 'close' },
  { name: 'overbought-exit', position: 'long', when: { left: 'rsi_14', op: '>', right: 75 }, action: 'close' },
  { name: 'oversold-exit', position: 'short', when: { left: 'rsi_14', op: '<', right: 25 }, action: 'close' },
  {
    name: 'dip-buy-in-uptrend',
    position: 'flat',
    when: { all: [{ left: 'rsi_14', op: 'crosses_above', right: 35 }, { left: 'close', op: '>', right: 'ema_100' }] },
    action: 'open_long',
    stop_loss_pct: 1.5,
    take_profit_pct: 3,
  },
  {
    name: 'rally-sell-in-downtrend',
    position: 'flat',
    when: { all: [{ left: 'rsi_14', op: 'crosses_below', right: 65 }, { left: 'close', op: '<', right: 'ema_100' }] },
    action: 'open_short',
    stop_loss_pct: 1.5,
    take_profit_pct: 3,
  },
];

export default defineBot({
  name: 'binance_futures_rpa_bot',
  description: 'Rule-driven automation: a playbook of indicator conditions → open/close/signal actions, in config.',
  config: z.object({
    timeframe: z.string().default('15m'),
    leverage: z.number().int().min(1).max(125).default(3),
    capital_management: capitalManagementSchema({ max_position_size: 100, risk_per_trade: 1 }),
    rules: z.array(ruleSchema).min(1).max(50).prefault(defaultPlaybook),
  }),
  async execute(ctx) {
    const { timeframe, rules, leverage, capital_management } = ctx.config;
    if (!ctx.pair.includes(':')) throw new Error(`binance_futures_rpa_bot trades perpetuals: expected a pair such as BTC/USDT:USDT, got ${ctx.pair}.`);
    const keys = ruleIndicatorKeys(rules);
    const candles = toCandles(await ctx.exchange.fetchOHLCV(ctx.pair, timeframe, undefined, candlesNeeded(keys) + 2));
    const price = candles.at(-1)?.close;
    const values = computeIndicators(closedCandles(candles, timeframe, Date.now()), keys);
    const { position, closed } = await syncProtection(ctx);
    if (closed) return; // its stop had vanished: closed, and no new entry this run
    const { rule, trace } = evaluateRules(rules, values, position?.side ?? 'flat');
    for (const t of trace) ctx.log.debug(`rule ${t.name}: ${t.matched ? 'holds' : 'no'} (${t.detail})`);
    if (!rule || price === undefined) {
      ctx.log.info(`no rule holds (position ${position?.side ?? 'flat'})`);
      return;
    }
    const reason = `rule ${rule.name}: ${trace.at(-1)?.detail ?? ''}`;
    ctx.log.info(reason);
    if (rule.action === 'signal') {
      await ctx.signal({ action: rule.name, reason, data: values.current });
    } else if (rule.action === 'close') {
      if (position) await closeProtectedPosition(ctx, position, reason);
    } else if (position) {
      ctx.log.info(`rule ${rule.name} would open, but a ${position.side} position is already open`);
    } else {
      const side = rule.action === 'open_long' ? 'long' : 'short';
      const sign = side === 'long' ? 1 : -1;
      await openProtectedPosition(ctx, {
        side,
        entry: price,
        stop: price * (1 - (sign * rule.stop_loss_pct) / 100),
        takeProfit: rule.take_profit_pct === undefined ? undefined : price * (1 + (sign * rule.take_profit_pct) / 100),
        leverage,
        capital: capital_management,
        sizePct: rule.size_pct,
        reason,
      });
    }
  },
});
