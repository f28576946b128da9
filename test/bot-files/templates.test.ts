// The five templates run against the broker's paper exchange on synthetic candle series where the right
// action is known: the bot's real execute(), the real risk guard and simulator, time pinned by the clock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import binanceFuturesBot from '../../bot_files/binance_futures_bot.js';
import rpaBot from '../../bot_files/binance_futures_rpa_bot.js';
import signalsBot from '../../bot_files/binance_signals_bot.js';
import simpleSmaBot from '../../bot_files/simple_sma_bot.js';
import universalBot from '../../bot_files/universal_futures_bot.js';
import { createBroker } from '../../src/broker/broker.js';
import type { RecordedFile } from '../../src/broker/market-data.js';
import type { ExchangeSession } from '../../src/broker/session.js';
import type { Bot, Subscription } from '../../src/db/schema.js';
import type { DefinedBot } from '../../src/sdk/define-bot.js';
import { contextOf } from '../broker/exchange-of.js';
import { claim, openWorld, recordedDir, subscribe, templateBot, type World } from '../broker/world.js';

type Row = RecordedFile['candles'][number];
const minute = 60_000;

/** Rows from closes: open = previous close, high/low 10 around the body. */
function rows(closes: number[]): Row[] {
  return closes.map((close, i) => {
    const open = closes[i - 1] ?? close;
    return [open, Math.max(open, close) + 10, Math.min(open, close) - 10, close, 5];
  });
}

/** An uptrend in +60/−30 steps whose last closed candle is an up step to 60000; the forming candle stays at 60000. */
function uptrend(n: number): number[] {
  const closes = [0];
  for (let j = 1; j < n - 1; j++) closes.push((closes[j - 1] ?? 0) + ((n - 2 - j) % 2 === 0 ? 60 : -30));
  const shift = 60_000 - (closes[n - 2] ?? 0);
  return [...closes.map((c) => c + shift), 60_000];
}

let world: World;
let bots = 0;

beforeEach(async () => {
  world = await openWorld();
  vi.useFakeTimers({ toFake: ['Date'] });
});

afterEach(async () => {
  vi.useRealTimers();
  await world.close();
});

/** A paper session replaying `candles` (1m), with the clock inside the last row: the forming candle. */
async function paper(template: string, candles: Row[], input: { pair: string; risk?: Record<string, unknown> }): Promise<{ bot: Bot; sub: Subscription; open(): Promise<ExchangeSession> }> {
  const n = candles.length;
  vi.setSystemTime((1_000_000 * n + n - 1) * minute + 30_000);
  const broker = createBroker({ db: world.db, home: world.home, marketData: 'recorded', recordedDir: recordedDir(candles) });
  const bot = await templateBot(world.db, template, 'binanceusdm', `${template}-${++bots}`);
  const sub = await subscribe(world.db, bot, { pair: input.pair, ...(input.risk ? { risk: input.risk } : {}) });
  return { bot, sub, open: async () => broker.factory({ runId: await claim(world.db, sub), subscription: sub, bot }) };
}

async function run<C>(bot: DefinedBot, session: ExchangeSession, pair: string, config: unknown, state: Record<string, unknown> = {}) {
  const ctx = contextOf(session, { config: bot.config.parse(config) as C, pair, state, exchangeId: 'binanceusdm' });
  await bot.execute(ctx);
  // As the runner's finish transaction does: the paper account lands for the next run.
  await session.commit?.()?.(world.db);
  return ctx;
}

describe('simple_sma_bot', () => {
  // SMA3 crosses above SMA5 on the last closed candle (see test/sdk/strategy/crossover.test.ts), ×5000.
  const cross = [10, 10, 10, 10, 9, 8, 7, 12, 14, 14].map((c) => c * 5000);

  it('buys max_position_size percent of equity on an upward crossover, rounded to the amount step', async () => {
    const { open } = await paper('simple_sma_bot', rows(cross), { pair: 'BTC/USDT' });
    const session = await open();
    const ctx = await run(simpleSmaBot, session, 'BTC/USDT', { timeframe: '1m', fast: 3, slow: 5 });
    // 25% of 10000 USDT = 2500 at 70000 → 0.0357142… → 0.03571 BTC (step 0.00001).
    expect(session.orders()).toMatchObject([{ side: 'buy', type: 'market', amount: 0.03571, status: 'closed' }]);
    expect(ctx.stateMap.get('holding')).toBe(0.03571);
    expect(ctx.signals).toMatchObject([{ action: 'buy', symbol: 'BTC/USDT', data: { amount: 0.03571, price: 70_000 } }]);

    // Already long: the same crossover does not buy again.
    const again = await open();
    await run(simpleSmaBot, again, 'BTC/USDT', { timeframe: '1m', fast: 3, slow: 5 }, { holding: 0.03571 });
    expect(again.orders()).toEqual([]);
  });

  it('sells what it holds on a downward crossover, and does nothing without one', async () => {
    const down = cross.map((c) => 100_000 - c);
    const { open } = await paper('simple_sma_bot', rows(down), { pair: 'BTC/USDT', risk: { paper: { starting_balance: { USDT: 0, BTC: 0.5 } } } });
    const session = await open();
    const ctx = await run(simpleSmaBot, session, 'BTC/USDT', { timeframe: '1m', fast: 3, slow: 5 }, { holding: 0.2 });
    expect(session.orders()).toMatchObject([{ side: 'sell', amount: 0.2, status: 'closed' }]);
    expect(ctx.stateMap.get('holding')).toBe(0);
    expect(ctx.signals.map((s) => s.action)).toEqual(['sell']);

    const quiet = await paper('simple_sma_bot', rows(Array(10).fill(50_000)), { pair: 'BTC/USDT' });
    const flat = await quiet.open();
    const idle = await run(simpleSmaBot, flat, 'BTC/USDT', { timeframe: '1m', fast: 3, slow: 5 });
    expect(flat.orders()).toEqual([]);
    expect(idle.signals).toEqual([]);
  });
});

describe('binance_futures_bot', () => {
  const config = { timeframes: ['1m'], ema_fast: 5, ema_slow: 20, capital_management: { risk_per_trade: 0.5, max_position_size: 300 } };

  it('goes long in an uptrend: leverage set, quantity from the stop distance, reduce-only stop and take-profit, confirmed', async () => {
    const { open } = await paper('binance_futures_bot', rows(uptrend(64)), { pair: 'BTC/USDT:USDT' });
    const session = await open();
    const ctx = await run(binanceFuturesBot, session, 'BTC/USDT:USDT', config);
    const [entry, stop, takeProfit, ...rest] = session.orders();
    expect(rest).toEqual([]);
    // ATR(14) of the +60/−30 zigzag with 10-wide wicks is ≈ 65.6: the stop 2 ATR under 60000, rounded down to
    // the 0.1 tick, is 59868.8. 0.5% of 10000 = 50 USDT over the 131.2 distance → 0.38109… → 0.381 (step 0.001).
    // The take-profit is 2 × the stop distance over the entry, on the tick: 60262.3.
    expect(entry).toMatchObject({ side: 'buy', type: 'market', amount: 0.381, status: 'closed' });
    expect(stop).toMatchObject({ side: 'sell', type: 'stop_market', amount: 0.381, price: 59_868.8, status: 'open' });
    expect(takeProfit).toMatchObject({ side: 'sell', type: 'take_profit_market', amount: 0.381, price: 60_262.3, status: 'open' });
    expect(ctx.signals).toMatchObject([{ action: 'long', data: { amount: 0.381, entry: 60_000, stop: 59_868.8, takeProfit: 60_262.3, risk: 49.9872 } }]);
    expect(ctx.stateMap.get('protection')).toMatchObject({ side: 'long', amount: 0.381, stopLoss: { triggerPrice: 59_868.8 } });

    // Next run, same market: the position is protected, so the bot holds.
    const next = await open();
    const ctx2 = await run(binanceFuturesBot, next, 'BTC/USDT:USDT', config, Object.fromEntries(ctx.stateMap));
    expect(next.orders()).toEqual([]);
    expect(ctx2.logs.some((l) => l.includes('decision hold'))).toBe(true);
  });

  it('closes the position, and takes no new entry that run, when its stop has vanished from the exchange', async () => {
    const { open } = await paper('binance_futures_bot', rows(uptrend(64)), { pair: 'BTC/USDT:USDT' });
    const first = await run(binanceFuturesBot, await open(), 'BTC/USDT:USDT', config);
    const protection = first.stateMap.get('protection') as { stopLoss: { id: string }; takeProfit: { id: string } };
    // Someone cancels the stop by hand between runs.
    const manual = await open();
    await manual.call('cancelOrder', [protection.stopLoss.id, 'BTC/USDT:USDT', { trigger: true }]);
    await manual.commit?.()?.(world.db);

    const next = await open();
    const ctx = await run(binanceFuturesBot, next, 'BTC/USDT:USDT', config, Object.fromEntries(first.stateMap));
    expect(next.orders().map((o) => [o.type, o.side, o.amount, o.status])).toEqual([['market', 'sell', 0.381, 'closed']]);
    expect(ctx.signals[0]).toMatchObject({ action: 'close', reason: `stop-loss ${protection.stopLoss.id} is no longer on the exchange` });
    expect(ctx.stateMap.has('protection')).toBe(false);
    expect(await next.call('fetchPositions', [])).toEqual([]);
    // The take-profit was cancelled with it: nothing is left to fire.
    expect(await next.call('fetchOpenOrders', ['BTC/USDT:USDT', undefined, undefined, { trigger: true }])).toEqual([]);
  });

  it('refuses a spot pair', async () => {
    const { open } = await paper('binance_futures_bot', rows(uptrend(64)), { pair: 'BTC/USDT' });
    await expect(run(binanceFuturesBot, await open(), 'BTC/USDT', config)).rejects.toThrow('expected a pair such as BTC/USDT:USDT');
  });
});

describe('universal_futures_bot', () => {
  const config = { timeframes: ['1m', '2m'], ema_fast: 5, ema_slow: 20, capital_management: { risk_per_trade: 0.5, max_position_size: 100 } };

  it('enters when the higher timeframe confirms the trend', async () => {
    const { open } = await paper('universal_futures_bot', rows(uptrend(128)), { pair: 'BTC/USDT:USDT' });
    const session = await open();
    const ctx = await run(universalBot, session, 'BTC/USDT:USDT', { ...config, exchange_type: 'binanceusdm' });
    expect(session.orders().map((o) => o.type)).toEqual(['market', 'stop_market', 'take_profit_market']);
    expect(ctx.signals[0]?.action).toBe('long');
  });

  it('stays out when the higher timeframe trends the other way', async () => {
    // A long decline, then a short zigzag bounce: 1m says long, 4m is still down.
    const bounce = uptrend(64).map((c) => c - 3000);
    const decline = Array.from({ length: 192 }, (_, i) => (bounce[0] ?? 0) + (192 - i) * 40);
    const { open } = await paper('universal_futures_bot', rows([...decline, ...bounce]), { pair: 'BTC/USDT:USDT' });
    const session = await open();
    const ctx = await run(universalBot, session, 'BTC/USDT:USDT', { ...config, timeframes: ['1m', '4m'] });
    expect(session.orders()).toEqual([]);
    expect(ctx.logs.join('\n')).toMatch(/decision hold \(1m: EMA5 .* RSI .* in \[50, 70\] \| 4m: trend down/);
  });

  it('refuses a config written for another exchange', async () => {
    const { open } = await paper('universal_futures_bot', rows(uptrend(128)), { pair: 'BTC/USDT:USDT' });
    await expect(run(universalBot, await open(), 'BTC/USDT:USDT', { ...config, exchange_type: 'bybit' })).rejects.toThrow('config.exchange_type is bybit');
  });
});

describe('binance_signals_bot', () => {
  it('records a signal when its reading changes and never places an order', async () => {
    const { open } = await paper('binance_signals_bot', rows(uptrend(64)), { pair: 'BTC/USDT:USDT' });
    const config = { timeframe: '1m', ema_fast: 5, ema_slow: 20 };
    const session = await open();
    const ctx = await run(signalsBot, session, 'BTC/USDT:USDT', config);
    expect(ctx.signals).toMatchObject([{ action: 'long', symbol: 'BTC/USDT:USDT', data: { timeframe: '1m', ema_5: expect.any(Number), rsi_14: expect.any(Number) } }]);
    const again = await open();
    const ctx2 = await run(signalsBot, again, 'BTC/USDT:USDT', config, Object.fromEntries(ctx.stateMap));
    expect(ctx2.signals).toEqual([]);
    const every = await run(signalsBot, again, 'BTC/USDT:USDT', { ...config, emit: 'every_run' }, Object.fromEntries(ctx.stateMap));
    expect(every.signals).toHaveLength(1);
    expect([...session.orders(), ...again.orders()]).toEqual([]);
  });
});

describe('binance_futures_rpa_bot', () => {
  const rules = [
    { name: 'exit-on-strength', position: 'long', when: { left: 'rsi_14', op: '>', right: 60 }, action: 'close' },
    { name: 'enter', position: 'flat', when: { all: [{ left: 'close', op: '>', right: 'ema_20' }, { left: 'rsi_14', op: '>=', right: 50 }] }, action: 'open_long', size_pct: 20, stop_loss_pct: 2, take_profit_pct: 4 },
  ];

  it('opens with the rule size and protection when flat, and closes when the exit rule holds', async () => {
    const { open } = await paper('binance_futures_rpa_bot', rows(uptrend(64)), { pair: 'BTC/USDT:USDT' });
    const session = await open();
    const ctx = await run(rpaBot, session, 'BTC/USDT:USDT', { timeframe: '1m', rules });
    // 20% of 10000 = 2000 USDT at 60000 → 0.0333… → 0.033; stop 2% under (58800), take-profit 4% over (62400).
    expect(session.orders().map((o) => [o.type, o.side, o.amount, o.price])).toEqual([
      ['market', 'buy', 0.033, 60_030],
      ['stop_market', 'sell', 0.033, 58_800],
      ['take_profit_market', 'sell', 0.033, 62_400],
    ]);
    expect(ctx.signals[0]).toMatchObject({ action: 'long', reason: expect.stringContaining('rule enter') });

    const next = await open();
    const ctx2 = await run(rpaBot, next, 'BTC/USDT:USDT', { timeframe: '1m', rules }, Object.fromEntries(ctx.stateMap));
    expect(next.orders().map((o) => [o.type, o.side, o.amount, o.status])).toEqual([['market', 'sell', 0.033, 'closed']]);
    expect(ctx2.signals).toMatchObject([{ action: 'close', reason: expect.stringContaining('rule exit-on-strength') }]);
    expect(ctx2.stateMap.has('protection')).toBe(false);
  });

  it('ships a default playbook that validates', () => {
    const config = rpaBot.config.parse({});
    expect(config.rules.map((r: { name: string }) => r.name)).toContain('dip-buy-in-uptrend');
  });
});
