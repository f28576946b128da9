// Position management for the futures templates: open with protection, keep the protection honest on every
// run, close on reversal. State kept in ctx.state under 'protection' so the next run knows its orders.
import type { Order } from 'ccxt';
import type { BotContext } from '../types.js';
import { closedCandles, toCandles } from './candles.js';
import { equityIn, type CapitalManagement, type FuturesTrendConfig } from './config.js';
import { priceToTick } from './precision.js';
import { cancelQuietly, closePosition, enterWithProtection, findOpenOrder, openPosition, type OpenPosition, type Side } from './protective.js';
import { positionSize } from './sizing.js';
import { atrStop, confirmDirection, takeProfitAt, trendSignal, type TrendOptions, type TrendSignal } from './trend.js';

type Ctx = BotContext<unknown>;

interface TrackedOrder {
  id: string;
  clientOrderId?: string | undefined;
  triggerPrice?: number | undefined;
}

export interface Protection {
  side: Side;
  amount: number;
  stopLoss: TrackedOrder;
  takeProfit: TrackedOrder | null;
}

const track = (o: Order): TrackedOrder => ({ id: String(o.id), clientOrderId: o.clientOrderId, triggerPrice: o.triggerPrice ?? o.stopPrice });

export async function readProtection(ctx: Ctx): Promise<Protection | null> {
  const value = await ctx.state.get('protection');
  return value && typeof value === 'object' ? (value as Protection) : null;
}

export interface OpenRequest {
  side: Side;
  /** Current price: the sizing and the stop are computed from it. */
  entry: number;
  stop: number;
  takeProfit?: number | undefined;
  leverage: number;
  capital: CapitalManagement;
  /** Instead of risk-based sizing: the position's notional as a percent of equity. */
  sizePct?: number | undefined;
  reason: string;
}

export type OpenResult = { opened: true; amount: number; stop: number; takeProfit: number | null } | { opened: false; reason: string };

/** Sizes, sets leverage, enters and protects; records the protection for the next runs. */
export async function openProtectedPosition(ctx: Ctx, request: OpenRequest): Promise<OpenResult> {
  const { exchange, pair } = ctx;
  const market = await exchange.market(pair);
  const currency = market.settle ?? market.quote;
  const equity = equityIn(await exchange.fetchBalance(), currency);
  const stop = priceToTick(market, request.stop, request.side === 'long' ? 'down' : 'up');
  const takeProfit = request.takeProfit === undefined ? undefined : priceToTick(market, request.takeProfit);
  // Percent sizing turns into the equivalent risk, so one function applies the caps and the market's steps.
  const riskPct = request.sizePct !== undefined
    ? (request.sizePct * Math.abs(request.entry - stop)) / request.entry
    : request.capital.risk_per_trade;
  const size = positionSize({
    equity, riskPct, entry: request.entry, stop, market, maxPositionPct: request.capital.max_position_size, leverage: request.leverage,
  });
  if (!size.ok) {
    ctx.log.warn(`no ${request.side} entry: ${size.reason}`);
    return { opened: false, reason: size.reason };
  }
  await exchange.setLeverage(request.leverage, pair);
  const placed = await enterWithProtection(exchange, { symbol: pair, side: request.side, amount: size.amount, stopLoss: stop, takeProfit });
  const protection: Protection = {
    side: request.side,
    amount: size.amount,
    stopLoss: track(placed.stopLoss),
    takeProfit: placed.takeProfit ? track(placed.takeProfit) : null,
  };
  await ctx.state.set('protection', protection);
  ctx.log.info(`opened ${request.side} ${size.amount} ${pair} at ~${request.entry}, stop ${stop}${takeProfit ? `, take-profit ${takeProfit}` : ''}`);
  await ctx.signal({
    action: request.side,
    reason: request.reason,
    data: { amount: size.amount, entry: request.entry, stop, takeProfit: takeProfit ?? null, equity, risk: size.risk, capped: size.capped },
  });
  return { opened: true, amount: size.amount, stop, takeProfit: takeProfit ?? null };
}

/** Cancels the recorded protective orders (those still open) and forgets them. */
export async function dropProtection(ctx: Ctx, protection: Protection | null): Promise<void> {
  if (protection) {
    for (const order of [protection.stopLoss, protection.takeProfit]) if (order) await cancelQuietly(ctx.exchange, order, ctx.pair);
  }
  await ctx.state.delete('protection');
}

/** Closes the position with a reduce-only market order and cancels its protective orders. */
export async function closeProtectedPosition(ctx: Ctx, position: OpenPosition, reason: string): Promise<void> {
  await dropProtection(ctx, await readProtection(ctx));
  await closePosition(ctx.exchange, position);
  ctx.log.info(`closed ${position.side} ${position.amount} ${position.symbol}: ${reason}`);
  await ctx.signal({ action: 'close', reason, data: { side: position.side, amount: position.amount } });
}

/** What syncProtection found: the position that remains, and whether it had to close one this run. */
export interface ProtectionSync {
  position: OpenPosition | null;
  /** The position's stop had vanished and the position was closed: take no new entry in this run. */
  closed: boolean;
}

/**
 * Brings the recorded protection in line with the exchange: when flat, leftover protective orders are
 * cancelled (a stop or take-profit fired); when a position is open, its stop must still rest on the exchange,
 * else the position is closed rather than left unprotected.
 */
export async function syncProtection(ctx: Ctx): Promise<ProtectionSync> {
  const position = openPosition(await ctx.exchange.fetchPositions([ctx.pair]), ctx.pair);
  const protection = await readProtection(ctx);
  if (!position) {
    if (protection) {
      ctx.log.info('position closed since the last run (stop or take-profit filled): cancelling what is left of its protection');
      await dropProtection(ctx, protection);
    }
    return { position: null, closed: false };
  }
  if (!protection) {
    ctx.log.warn(`a ${position.side} position of ${position.amount} is open but this bot has no record of protecting it: leaving it alone`);
    return { position, closed: false };
  }
  if (!(await findOpenOrder(ctx.exchange, ctx.pair, protection.stopLoss))) {
    await closeProtectedPosition(ctx, position, `stop-loss ${protection.stopLoss.id} is no longer on the exchange`);
    return { position: null, closed: true };
  }
  return { position, closed: false };
}

export interface FuturesTrendSettings {
  /** Entry timeframe first; any further timeframes must confirm its trend. */
  timeframes: readonly string[];
  leverage: number;
  capital: CapitalManagement;
  trend: TrendOptions;
  stopAtrMultiplier: number;
  rewardRisk: number;
  allowShort: boolean;
  closeOnReversal: boolean;
}

/** Maps the templates' snake_case config onto the trend follower's settings. */
export function futuresTrendSettings(c: FuturesTrendConfig, timeframes: readonly string[] = c.timeframes): FuturesTrendSettings {
  return {
    timeframes,
    leverage: c.leverage,
    capital: c.capital_management,
    trend: {
      emaFast: c.ema_fast, emaSlow: c.ema_slow, rsiPeriod: c.rsi_period, rsiLongMin: c.rsi_long_min, rsiLongMax: c.rsi_long_max,
      rsiShortMin: c.rsi_short_min, rsiShortMax: c.rsi_short_max, atrPeriod: c.atr_period,
    },
    stopAtrMultiplier: c.stop_atr_multiplier,
    rewardRisk: c.reward_risk,
    allowShort: c.allow_short,
    closeOnReversal: c.close_on_reversal,
  };
}

export type FuturesDecision = 'open_long' | 'open_short' | 'close' | 'hold';

/** What a trend follower does given the confirmed direction and the open position. */
export function futuresDecision(direction: Side | null, position: Side | null, options: { allowShort: boolean; closeOnReversal: boolean }): FuturesDecision {
  if (position === null) {
    if (direction === 'long') return 'open_long';
    if (direction === 'short' && options.allowShort) return 'open_short';
    return 'hold';
  }
  if (options.closeOnReversal && direction !== null && direction !== position) return 'close';
  return 'hold';
}

/** Fetches each timeframe's candles and computes its trend signal on closed candles. */
export async function trendSignals(ctx: Ctx, timeframes: readonly string[], trend: TrendOptions): Promise<{ signals: TrendSignal[]; price: number | null }> {
  const limit = Math.max(trend.emaSlow, trend.rsiPeriod, trend.atrPeriod) * 3 + 2;
  const now = Date.now();
  const signals: TrendSignal[] = [];
  let price: number | null = null;
  for (const timeframe of timeframes) {
    const candles = toCandles(await ctx.exchange.fetchOHLCV(ctx.pair, timeframe, undefined, limit));
    // The forming candle's close is the current price; decisions use closed candles only.
    price ??= candles.at(-1)?.close ?? null;
    signals.push(trendSignal(closedCandles(candles, timeframe, now), trend));
  }
  return { signals, price };
}

/** One run of the trend follower used by binance_futures_bot and universal_futures_bot. */
export async function runFuturesTrend(ctx: Ctx, s: FuturesTrendSettings): Promise<FuturesDecision> {
  const { signals, price } = await trendSignals(ctx, s.timeframes, s.trend);
  const direction = confirmDirection(signals);
  const { position, closed } = await syncProtection(ctx);
  const decision = closed ? 'hold' : futuresDecision(direction, position?.side ?? null, s);
  const summary = signals.map((sig, i) => `${s.timeframes[i]}: ${sig.reason}`).join(' | ');
  ctx.log.info(`decision ${decision} (${summary})`);
  const entry = signals[0];
  if ((decision === 'open_long' || decision === 'open_short') && entry?.atr != null && price !== null) {
    const side: Side = decision === 'open_long' ? 'long' : 'short';
    const stop = atrStop(side, price, entry.atr, s.stopAtrMultiplier);
    await openProtectedPosition(ctx, {
      side, entry: price, stop, takeProfit: takeProfitAt(side, price, stop, s.rewardRisk), leverage: s.leverage, capital: s.capital, reason: summary,
    });
  } else if (decision === 'close' && position) {
    await closeProtectedPosition(ctx, position, `trend reversed: ${summary}`);
  }
  return decision;
}
