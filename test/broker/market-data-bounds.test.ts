// Recorded-data requests are answered in botd itself, so they are bounded (issue #9, item 7): a timeframe of at
// most a year, at most 1500 candles, and each candle built in constant time whatever its timeframe
// (candle-cycle.ts). Checked by count and shape, never by timing: a refused request, a capped count, and
// aggregates equal to summing the base candles one by one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBroker } from '../../src/broker/broker.js';
import { CandleCycle, type Row } from '../../src/broker/candle-cycle.js';
import { maxCandlesPerRequest } from '../../src/broker/ohlcv-request.js';
import type { BotExchange } from '../../src/sdk/types.js';
import { rejection } from '../support/expect-error.js';
import { exchangeOf } from './exchange-of.js';
import { claim, openWorld, recordedDir, subscribe, templateBot, type World } from './world.js';

// 1-minute base candles: 997 of them (a prime, so no timeframe lines up with the cycle), prices from a hash.
const candles: Row[] = Array.from({ length: 997 }, (_, i) => {
  const o = 50_000 + ((i * 7919) % 1000);
  const c = 50_000 + (((i + 1) * 7919) % 1000);
  return [o, Math.max(o, c) + (i % 13), Math.min(o, c) - (i % 17), c, 1 + (i % 5)];
});
const minute = 60_000;

/** The candle of base candles from..to, summed one by one (what market-data.ts did before). */
function bruteForce(from: number, to: number): Row {
  const at = (k: number) => candles[((k % candles.length) + candles.length) % candles.length]!;
  let row: Row = [...at(from)];
  for (let k = from + 1; k <= to; k++) {
    const [, h, l, c, v] = at(k);
    row = [row[0], Math.max(row[1], h), Math.min(row[2], l), c, row[4] + v];
  }
  return row;
}

describe('CandleCycle', () => {
  it('aggregates any range of a looping series like summing it candle by candle, across cycles and before zero', () => {
    const cycle = new CandleCycle(candles);
    for (const [from, to] of [[0, 0], [5, 5 + 59], [990, 1010], [-3000, -2001], [123, 123 + 3 * 997 + 40], [10_000, 10_000 + 996], [-1, 1]]) {
      expect(cycle.span(from!, to!), `${from}..${to}`).toEqual(bruteForce(from!, to!));
    }
  });
});

describe('fetchOHLCV on recorded data', () => {
  let world: World;
  let exchange: BotExchange;
  // The clock is 30 s into a minute: the last candle is forming.
  const clock = 40_000_000 * minute + 30_000;

  beforeEach(async () => {
    world = await openWorld();
    const bot = await templateBot(world.db, 'binance_futures_bot', 'binanceusdm');
    const broker = createBroker({ db: world.db, home: world.home, marketData: 'recorded', recordedDir: recordedDir(candles), now: () => clock });
    const sub = await subscribe(world.db, bot, { pair: 'BTC/USDT:USDT' });
    exchange = exchangeOf(await broker.factory({ runId: await claim(world.db, sub), subscription: sub, bot }));
  });

  afterEach(async () => {
    await world.close();
  });

  it('refuses a timeframe longer than a year or not a timeframe, and a limit or since that is not a number', async () => {
    for (const [timeframe, since, limit, message] of [
      ['8000y', undefined, 10, 'fetchOHLCV: timeframe must be like 15m, 1h or 1d and at most 1y, got "8000y".'],
      ['2y', undefined, 10, 'fetchOHLCV: timeframe must be like 15m, 1h or 1d and at most 1y, got "2y".'],
      ['0m', undefined, 10, 'fetchOHLCV: timeframe must be like 15m, 1h or 1d and at most 1y, got "0m".'],
      [60, undefined, 10, 'fetchOHLCV: timeframe must be like 15m, 1h or 1d and at most 1y, got 60.'],
      ['1h', 'yesterday', 10, 'fetchOHLCV: since must be a time in milliseconds, got "yesterday".'],
      ['1h', undefined, 0, 'fetchOHLCV: limit must be a number of candles from 1, got 0.'],
      ['1h', undefined, Number.POSITIVE_INFINITY, 'fetchOHLCV: limit must be a number of candles from 1, got Infinity.'],
    ] as const) {
      const error = await rejection(exchange.fetchOHLCV('BTC/USDT:USDT', timeframe as string, since as unknown as number, limit));
      expect(error.name).toBe('BadRequest');
      expect(error.message).toBe(message);
    }
  });

  it('answers at most 1500 candles, each the aggregate of its base candles, for the longest timeframe too', async () => {
    const huge = await exchange.fetchOHLCV('BTC/USDT:USDT', '1m', 0, 1e12);
    expect(huge).toHaveLength(maxCandlesPerRequest);
    const year = await exchange.fetchOHLCV('BTC/USDT:USDT', '1y', undefined, 1e9);
    expect(year).toHaveLength(maxCandlesPerRequest);
    // Whole years, the oldest first, the last one holding the forming minute.
    const span = 525_600; // minutes in '1y' (365 days)
    const current = Math.floor(clock / (span * minute));
    expect(year.map((r) => r[0])).toEqual(Array.from({ length: 1500 }, (_, i) => (current - 1499 + i) * span * minute));
    const [t, ...closed] = year[1000]!;
    const first = (t! / minute);
    expect(closed).toEqual(bruteForce(first, first + span - 1));
    const days = await exchange.fetchOHLCV('BTC/USDT:USDT', '1d', clock - 10 * 1440 * minute, 3);
    expect(days).toHaveLength(3);
    for (const [time, ...row] of days) expect(row).toEqual(bruteForce(time! / minute, time! / minute + 1439));
  });
});
