// The engine built into a backtest's bot module (runtime/local-exchange.ts): the parent's own PaperBook, one paper
// account and a broker session per slot with the same risk guard and paper fill engine, over the candles the child
// holds. The bot's orders are answered here without a round trip to the parent; each call goes into the next batch,
// which the parent serves again through its book and checks answer by answer (child-driver.ts). This book keeps no
// history: the report is made from the parent's.
import { riskLimits } from '../broker/risk-guard.js';
import { seriesMarketData, type PricedSymbol } from '../broker/series-market-data.js';
import type { Bot } from '../db/schema.js';
import type { LocalExchangeFactory } from '../runtime/local-exchange.js';
import type { ServedCall } from '../runtime/protocol.js';
import { exchangeErrorFrom } from '../sdk/errors.js';
import { PaperBook, type BookOptions } from './paper-book.js';
import { outcomeOf } from './served-calls.js';

/** BacktestStart.engine: what the parent's book was made from, less the candles, which the child already holds. */
export interface EngineSetup extends Omit<BookOptions, 'data' | 'clock' | 'limits' | 'history'> {
  bot: Bot;
  priced: Omit<PricedSymbol, 'series'>;
  /** The first slot's time: where the account starts. */
  from: number;
}

/** Calls per batch: the parent replays while the child runs on, and one batch stays well under a message's limit. */
const batchSize = 256;

export const localExchange: LocalExchangeFactory = (setup, series, run, send) => {
  const s = setup as EngineSetup;
  const clock = { now: s.from };
  const priced: PricedSymbol = { ...s.priced, series };
  const data = seriesMarketData((symbol) => (symbol.replace(/:.*$/, '') === priced.symbol ? priced : undefined), () => clock.now, () => [s.pair]);
  const book = new PaperBook({ ...s, limits: riskLimits(s.pair, s.riskConfig, s.executionConfig), data, clock, history: false }, s.from);
  let batch: ServedCall[] = [];
  let sent = 0;
  // One call at a time, in the order the bot made them, as the parent replays them.
  let queue: Promise<unknown> = Promise.resolve();
  const sendBatch = () => {
    if (batch.length === 0) return;
    send({ type: 'backtest-calls', run, first: sent, calls: batch });
    sent += batch.length;
    batch = [];
  };
  const serve = async (slot: number, at: number, method: string, args: string): Promise<unknown> => {
    const { outcome, json: answer } = await outcomeOf(() => book.call(slot, at, method, JSON.parse(args) as unknown[]));
    batch.push({ slot, at, method, args, ...outcome });
    if (batch.length >= batchSize) sendBatch();
    if (outcome.error) throw exchangeErrorFrom(outcome.error);
    // The bot's own copy, as it would arrive over the channel.
    return answer === undefined ? undefined : JSON.parse(answer);
  };
  return {
    call(slot, at, method, args) {
      let json: string;
      try {
        // Serialised now, as the channel would: arguments JSON cannot hold reject the call.
        json = JSON.stringify(args);
      } catch (error) {
        return Promise.reject(error as Error);
      }
      const served = queue.then(() => serve(slot, at, method, json));
      queue = served.catch(() => undefined);
      return served;
    },
    async flush() {
      // A call the bot did not wait for is served, and sent, before the run ends: the parent serves it too.
      await queue;
      sendBatch();
      return sent;
    },
  };
};
