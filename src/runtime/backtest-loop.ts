// The child side of a backtest: one process runs the bot's own execute(ctx) at every slot of a period, under a
// simulated clock (sim-clock.ts), with ctx.state carried from slot to slot as botd carries it from run to run (kept
// only when the slot succeeds). fetchOHLCV and fetchTicker on the pair are answered here from the candles the parent
// sent, through the same view of them the parent's paper venue uses (market-data/candle-view.ts): only what had
// happened by the slot's time; market(pair) from the parent's answer sent with the start. Every other call goes to
// the child's own exchange (local-exchange.ts): the risk guard and the paper fill engine, which the parent checks.
import type { Duplex } from 'node:stream';
import { errorText } from '../errors.js';
import { isDefinedBot, type DefinedBot } from '../sdk/define-bot.js';
import { ExchangeError, NotSupported } from '../sdk/errors.js';
import type { SignalInput } from '../sdk/types.js';
import { emptySeries, type CandleSeries } from '../market-data/candle-series.js';
import { ohlcvAt, tickerAt } from '../market-data/candle-view.js';
import { botContexts, botError, trimTrailingUndefined } from './bot-context.js';
import { configIssues } from './config-issues.js';
import { freshBot } from './fresh-bot.js';
import { pendingCalls } from './pending-calls.js';
import type { BacktestCandles, BacktestProgress, BacktestResult, BacktestStart, ChildMessage, ParentMessage, SlotFailed } from './protocol.js';
import { installSimClock, type SimClock } from './sim-clock.js';
import { SlotState } from './slot-state.js';
import type { LocalExchangeFactory } from './local-exchange.js';

const maxSignals = 1_000;
const maxFailureReports = 100;

// Longer than 80 lines: `loop` (one backtest, slot by slot) closes over what the child holds for its whole life,
// the channel, the candles received so far and the one simulated clock, which a sweep's later runs reuse.
/** `ended`: called once the last result has left (the child ends itself: see child.ts). */
export function runBacktest(first: DefinedBot, channel: Duplex, localExchange: LocalExchangeFactory, ended?: () => void): void {
  const abort = new AbortController();
  let series: CandleSeries | undefined;
  let clock: SimClock | undefined;
  /** Runs one after another: a sweep's parent sends the next start once the last result is in. */
  let running = Promise.resolve();
  let runs = 0;
  const link = pendingCalls(
    channel,
    abort.signal,
    (message) => {
      const m = message as ParentMessage | BacktestCandles | BacktestStart;
      if (m.type === 'backtest-candles') series = receiveCandles(series, m);
      else if (m.type === 'backtest-start') {
        const n = runs++;
        running = running.then(() => loop(m, n));
      } else if (m.type === 'abort') abort.abort(new Error(m.reason));
    },
    ended,
  );
  const send = (message: ChildMessage | SlotFailed | BacktestProgress) => link.send(message);

  async function loop(start: BacktestStart, n: number): Promise<void> {
    const result: BacktestResult = { type: 'backtest-result', ok: true, state: {}, done: 0, failed: 0, loopMs: 0, maxRssKb: 0, calls: 0, skipped: [], logTail: [], signals: [] };
    const began = performance.now();
    // The first run has the module as the child evaluated it; every later one a new evaluation (fresh-bot.ts).
    const bot = n === 0 ? first : await freshBot(n);
    if (!isDefinedBot(bot)) return finish({ ...result, ok: false, configError: 'the bot module evaluated again did not hand over a bot' }, start.more);
    // Ends with the run: a call the bot left running past its run's end is refused here, never served for the next.
    const run = new AbortController();
    const stopRun = () => run.abort(abort.signal.reason);
    abort.signal.addEventListener('abort', stopRun, { once: true });
    const parsed = bot.config.safeParse(start.config ?? {}, { jitless: true });
    if (!parsed.success) {
      return finish({ ...result, ok: false, configError: `config is invalid:\n${configIssues(parsed.error.issues, start.config).join('\n')}` }, start.more);
    }
    const data = series ?? emptySeries('1m');
    const times = 'times' in start.slots ? start.slots.times : undefined;
    const count = times ? times.length : (start.slots as { count: number }).count;
    const timeOf = (i: number) => (times ? (times[i] ?? 0) : (start.slots as { from: number }).from + i * (start.slots as { step: number }).step);
    // Installed once per child: Date and the timers are replaced a single time, and reset at every slot.
    if (!clock) link.useClock((clock = installSimClock(timeOf(0))));
    else clock.reset(timeOf(0));
    let state = new Map(Object.entries(start.state));
    // Kept raw and formatted once at the end: a bot logs at every slot, and only the last `logLines` are reported.
    const logTail: { time: number; level: string; message: string }[] = [];
    let time = 0;
    const local = localMarketData(data, start.pair, () => clock!.now(), start.market === undefined ? undefined : JSON.stringify(start.market));
    const exchange = localExchange(start.engine, data, start.run ?? 0, (message) => link.send(message));
    const served = (slot: number, method: string, args: unknown[]): Promise<unknown> =>
      run.signal.aborted ? Promise.reject(run.signal.reason as Error) : exchange.call(slot, clock!.now(), method, trimTrailingUndefined(args));
    const progressEvery = Math.max(1, Math.floor(count / 100));
    let lastProgress = performance.now();
    let slot = 0;
    let slotState = new SlotState(state);
    const call = (method: string, args: unknown[]) => local(method, args) ?? served(slot, method, args);
    const sendFromBot = (message: ChildMessage) => {
      if (message.type === 'log') {
        logTail.push({ time: clock!.now(), level: message.level, message: message.message });
        if (logTail.length > start.logLines) logTail.shift();
      } else if (message.type === 'signal' && result.signals.length < maxSignals) {
        result.signals.push({ ...(JSON.parse(JSON.stringify(message.signal)) as SignalInput), time: clock!.now() });
      }
    };
    const contextAt = botContexts({ exchangeId: start.exchangeId, pair: start.pair, mode: 'paper', subscriptionId: 0 }, parsed.data, () => slotState, call as never, sendFromBot, run.signal);
    for (let i = 0; i < count && !abort.signal.aborted; i++) {
      time = timeOf(i);
      if (clock.now() > time) {
        result.skipped.push(time);
        continue;
      }
      clock.reset(time);
      slot = i;
      slotState = new SlotState(state);
      const ctx = contextAt(i + 1, new Date(time).toISOString());
      try {
        await bot.execute(ctx);
        // As botd keeps a run's state only when it succeeds.
        state = slotState.result();
      } catch (error) {
        if (++result.failed <= maxFailureReports) send({ type: 'slot-failed', slot: i, error: botError(error) });
        if (start.failFast) {
          result.done = i + 1;
          break;
        }
      }
      result.done = i + 1;
      // Every 1 % of the slots, and at least every second: the parent stops a child it has not heard from for long.
      if (result.done % progressEvery === 0 || performance.now() - lastProgress > 1_000) {
        send({ type: 'progress', done: result.done });
        lastProgress = performance.now();
      }
    }
    abort.signal.removeEventListener('abort', stopRun);
    run.abort(new Error('the backtest run has ended'));
    result.calls = await exchange.flush();
    clock.reset(clock.now());
    const lines = logTail.map((l) => `${new Date(l.time).toISOString()} ${l.level.toUpperCase()} ${l.message}`);
    finish({ ...result, state: Object.fromEntries(state), logTail: lines, loopMs: performance.now() - began, maxRssKb: process.resourceUsage().maxRSS }, start.more);
  }

  /** The result; the channel stays open when the parent has another run for this child (a sweep). */
  function finish(result: BacktestResult, more: boolean | undefined): void {
    if (more) send(result as never);
    else link.finish(result);
  }
}

function receiveCandles(current: CandleSeries | undefined, chunk: BacktestCandles): CandleSeries {
  // A transfer starts with the time column at offset 0: a sweep's child gets new candles for its held-out runs.
  const fresh = !current || (chunk.column === 'time' && chunk.offset === 0);
  const series = fresh ? emptySeries(chunk.timeframe, chunk.count) : current;
  const bytes = Buffer.from(chunk.data, 'base64');
  const values = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  series[chunk.column].set(values, chunk.offset);
  return series;
}

// fetchOHLCV and fetchTicker on the pair, answered as the parent's store-backed venue answers them
// (broker/series-market-data.ts); undefined for every other call, which goes to the parent.
// market(pair) too, from the parent's own answer sent with the start (a market's definition does not change over a
// backtest): a fresh copy each call, as each would arrive over the channel.
function localMarketData(series: CandleSeries, pair: string, now: () => number, marketJson: string | undefined) {
  const given = (a: unknown) => (a === null ? undefined : a);
  return (method: string, args: unknown[]): Promise<unknown> | undefined => {
    if (args[0] !== pair) return undefined;
    if (method === 'market' && marketJson !== undefined) return Promise.resolve(JSON.parse(marketJson));
    if (method !== 'fetchOHLCV' && method !== 'fetchTicker') return undefined;
    if (method === 'fetchTicker') {
      const ticker = tickerAt(series, pair, now());
      if (!ticker) return Promise.reject(new ExchangeError(`The stored candles have no price at ${new Date(now()).toISOString()}.`));
      // As it would arrive over the channel: JSON drops the fields that are undefined.
      return Promise.resolve(JSON.parse(JSON.stringify(ticker)));
    }
    const timeframe = given(args[1]) as string | undefined;
    const since = given(args[2]) as number | undefined;
    const limit = given(args[3]) as number | undefined;
    try {
      return Promise.resolve(ohlcvAt(series, timeframe ?? series.timeframe, since, Math.min(limit ?? 500, 1500), now()));
    } catch (error) {
      return Promise.reject(new NotSupported(`Stored candles for ${pair} are ${series.timeframe}: ${errorText(error)}.`));
    }
  };
}
