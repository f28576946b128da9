// `botctl backtest BOT`: the bot's own code, bundled as for a run with the backtest engine beside it, in one sandboxed
// child over the period, with its exchange calls served by the same risk guard and paper fill engine as paper mode, on
// candles from the store: in the child, and again here, where the report is made.
import type { Connection } from '../db/open.js';
import { bundleBot } from '../bots/bundle.js';
import { findBot } from '../bots/find-bot.js';
import { resolveCode } from '../bots/resolve-code.js';
import { riskLimits } from '../broker/risk-guard.js';
import { settlementCurrency } from '../broker/broker.js';
import { seriesMarketData } from '../broker/series-market-data.js';
import { storeLookup } from '../broker/store-market-data.js';
import { BotctlError, invalid } from '../errors.js';
import { homePaths } from '../home.js';
import { gapsOf, sliceSeries } from '../market-data/candle-series.js';
import { lastPriceAt } from '../market-data/candle-view.js';
import { ownModule } from '../package-root.js';
import type { BotError, ServedCall } from '../runtime/protocol.js';
import type { RiskConfig } from '../subscriptions/risk-config.js';
import { equityChartSvg } from './chart.js';
import { BacktestChild, driveChild, type ChildOptions } from './child-driver.js';
import type { EngineSetup } from './child-exchange.js';
import { equityCurve } from './equity.js';
import { drawdown, metricsOf } from './metrics.js';
import { PaperBook } from './paper-book.js';
import type { BacktestReport } from './report.js';
import { thinPoints } from './report.js';
import { saveReport } from './report-store.js';
import { slotCount, slotsOf, slotTime } from './slots.js';
import { sparkline } from './sparkline.js';
import { tradesOf } from './trades.js';

export interface BacktestOptions {
  bot: string;
  pair: string;
  from: number;
  to: number;
  every?: string | undefined;
  schedule?: string | undefined;
  config: Record<string, unknown>;
  risk: RiskConfig;
  /** { USDT: 10000 }; default the risk config's paper.starting_balance, else 10,000 of the settle currency. */
  balance?: Record<string, number> | undefined;
  /** Fee on each fill's notional (0.001 = 0.1 %); default the risk config's, else the market's taker fee. */
  feeRate?: number | undefined;
  slippageBps?: number | undefined;
  version?: number | undefined;
  failFast?: boolean;
  /** Store the report (default true; a sweep's runs are not stored one by one). */
  save?: boolean;
  sandbox?: boolean;
  onProgress?(done: number, total: number): void;
  cancel?: AbortSignal;
  /** How long the child may send nothing before it is stopped as stuck (default 60 s; child-driver.ts). */
  silenceMs?: number;
}

/**
 * A sweep's worker: its one child, kept from run to run (a new one only when the last has ended), and how many it
 * started.
 */
export interface ChildLane {
  child?: BacktestChild | undefined;
  started: number;
}

function laneChild(lane: ChildLane, options: ChildOptions): BacktestChild {
  if (!lane.child?.usable) {
    void lane.child?.close();
    lane.child = BacktestChild.start(options);
    lane.started++;
  }
  return lane.child;
}

/**
 * Runs one backtest: in a child of its own, or in `lane`'s (a sweep's), which stays for the next run.
 * Longer than 80 lines: it reads as the story (check the inputs, set up the paper book, drive the child, build
 * the report), and the report's builder needs nearly every value the earlier steps made.
 */
export async function runBacktest(home: string, connection: Connection, o: BacktestOptions, lane?: ChildLane): Promise<BacktestReport> {
  const bot = await findBot(connection.db, o.bot);
  if (o.version !== undefined && bot.kind !== 'custom') throw invalid(`\`--version\` applies to uploaded bots; ${bot.name} is a template bot.`);
  const code = await resolveCode(connection.db, home, bot, o.version ?? null);
  const bundle = await bundleBot(code.sourcePath, homePaths(home).bundleCache, { engine: ownModule('src/backtest/child-exchange') });
  const version = bot.kind === 'custom' ? (o.version ?? Number(/v(\d+)/.exec(code.displayName)?.[1] ?? NaN)) : null;

  const priced = storeLookup(home, bot.exchange_type).lookup(o.pair);
  if (!priced) throw invalid(`No stored candles for ${o.pair}.`, `botctl data fetch --exchange ${bot.exchange_type === 'binanceusdm' ? 'binance' : bot.exchange_type} --pair ${o.pair.replace(/:.*$/, '')} --timeframe 1h --since DATE (or botctl data import FILE)`);
  const { series } = priced;
  const first = series.time[0] ?? 0;
  const end = (series.time[series.length - 1] ?? 0) + series.spanMs;
  if (!(o.to > o.from)) throw invalid(`Expected \`--from\` before \`--to\`, got ${new Date(o.from).toISOString()} .. ${new Date(o.to).toISOString()}.`);
  if (o.from < first || o.to > end) {
    throw invalid(`The stored ${priced.label} candles cover ${new Date(first).toISOString()} .. ${new Date(end).toISOString()}; the period ${new Date(o.from).toISOString()} .. ${new Date(o.to).toISOString()} is not inside it.`, 'botctl data list');
  }
  const configTimeframe = typeof o.config['timeframe'] === 'string' ? o.config['timeframe'] : undefined;
  const every = o.schedule === undefined ? (o.every ?? configTimeframe ?? series.timeframe) : undefined;
  const slots = slotsOf(o.from, o.to, { every, schedule: o.schedule });
  const count = slotCount(slots);
  if (count === 0) throw invalid('The period holds no slot of the schedule.');

  const riskJson = JSON.stringify(o.risk);
  const configJson = JSON.stringify(o.config);
  const clock = { now: slotTime(slots, 0) };
  const data = seriesMarketData((symbol) => (symbol.replace(/:.*$/, '') === priced.symbol ? priced : undefined), () => clock.now, () => [o.pair]);
  const startingBalance = o.balance ?? o.risk.paper?.starting_balance ?? { [settlementCurrency(o.pair)]: 10_000 };
  const feeRate = o.feeRate ?? o.risk.paper?.fee_rate;
  const slippageBps = o.slippageBps ?? o.risk.paper?.slippage_bps ?? 5;
  const setup = { bot, pair: o.pair, startingBalance, feeRate, slippageBps, riskConfig: riskJson, executionConfig: configJson };
  const book = new PaperBook({ ...setup, limits: riskLimits(o.pair, riskJson, configJson), data, clock }, clock.now);
  const market = await book.market();
  const engine: EngineSetup = { ...setup, priced: { symbol: priced.symbol, markets: priced.markets, label: priced.label }, from: clock.now };

  const failures: BacktestReport['failures'] = [];
  const started = Date.now();
  // The child gets the candles up to the end of the period, none after it: there is nothing there to look ahead to.
  const visible = sliceSeries(series, -Infinity, o.to);
  const run = {
    series: visible, seriesKey: `${priced.label}:${o.to}`,
    start: { type: 'backtest-start', pair: o.pair, exchangeId: bot.exchange_type, config: o.config, state: {}, slots, failFast: o.failFast ?? false, logLines: 50, more: lane !== undefined, market, engine } as const,
    serve: (call: ServedCall, args: unknown[]) => book.call(call.slot, call.at, call.method, args),
    onFailure: (slot: number, error: BotError) => failures.push({ slot, time: slotTime(slots, slot), error: errorText(error) }),
    onProgress: (done: number) => o.onProgress?.(done, count),
    cancel: o.cancel,
    silenceMs: o.silenceMs,
  };
  const child = { bundle, custom: bot.kind === 'custom', home, sandbox: o.sandbox ?? true };
  const drive = lane ? await laneChild(lane, child).run(run) : await driveChild({ ...child, ...run });
  const result = drive.result;
  if (drive.diverged) throw new BotctlError('runtime_failure', `The backtest was stopped at ${drive.diverged}. Nothing was stored.`);
  if (drive.stopped === 'cancelled') throw new BotctlError('runtime_failure', 'The backtest was stopped before it finished; nothing was stored.');
  // Stopped after its result came in (a batch of calls replayed later broke the channel's rules): the book missed
  // calls the bot made, so there is no report to make from it.
  if (result && drive.stopped) throw new BotctlError('runtime_failure', `The backtest's child was stopped (${drive.stopped}): its calls could not all be served again. Nothing was stored.`);
  if (!result) {
    const why = drive.outOfMemory ? `was ${drive.outOfMemory}` : drive.signal ? `ended by ${drive.signal}` : `exited with code ${drive.exitCode}`;
    throw new BotctlError('runtime_failure', `The backtest's child ${why} without a result${drive.stopped ? ` (${drive.stopped})` : ''}: ${drive.output.trim().split('\n').slice(-3).join(' | ') || 'no output'}`);
  }
  if (result.configError) throw invalid(result.configError);
  const wallMs = Date.now() - started;
  await book.settleTo(o.to);

  const points = Array.from({ length: count }, (_, i) => {
    const time = slotTime(slots, i);
    return { time, price: lastPriceAt(series, time) ?? NaN };
  });
  const curve = equityCurve(book.snapshots, market, points);
  const lastPrice = points[points.length - 1]?.price ?? 0;
  const trades = tradesOf(book.fills, market.contractSize ?? 1, lastPrice);
  const fees = book.fills.reduce((sum, f) => sum + f.fee, 0);
  const metrics = metricsOf(curve, trades, book.orders.length, fees);
  const dd = drawdown(curve).series;
  const filled = new Map(book.fills.map((f) => [f.orderId, f]));
  const build = (id: number, chart: string): { report: BacktestReport; svg: string } => {
    const report: BacktestReport = {
      id, created_at: new Date().toISOString(),
      bot: { id: bot.id, name: bot.name, kind: bot.kind, version: Number.isNaN(version) ? null : version, code_sha256: bundle.sourceSha256 },
      pair: o.pair,
      data: { series: priced.label, gaps: gapsOf(sliceSeries(series, o.from, o.to)) },
      from: o.from, to: o.to,
      slots: { every: every ?? null, schedule: o.schedule ?? null, count, run: result.done - result.skipped.length, failed: result.failed, skipped: result.skipped.length },
      config: o.config, risk: o.risk, starting_balance: startingBalance, fee_rate: feeRate ?? market.taker ?? null, slippage_bps: slippageBps,
      metrics, trades,
      // A resting order filled later shows as filled at its fill price, as the orders table of a run does.
      orders: book.orders.map((r) => {
        const fill = r.status === 'open' && r.exchange_order_id !== null ? filled.get(r.exchange_order_id) : undefined;
        return { time: r.time, slot: r.slot, side: r.side, type: r.type, amount: r.amount, price: fill ? fill.price : r.price, status: fill ? 'closed' : r.status, client_order_id: r.client_order_id };
      }),
      failures,
      final: { balances: { ...book.account.balances }, positions: { ...book.account.positions }, open_orders: book.account.orders.length },
      equity: thinPoints(curve.map((p, i) => ({ time: p.time, price: p.price, equity: p.equity, drawdown_pct: Number((dd[i] ?? 0).toFixed(4)) }))),
      sparkline: sparkline(curve.map((p) => p.equity)),
      chart, log_tail: result.logTail, signals: result.signals.length, state: result.state,
      timing: { wall_ms: wallMs, loop_ms: Math.round(result.loopMs), slots_per_second: Math.round((result.done / Math.max(1, result.loopMs)) * 1000), child_peak_rss_mb: Math.round(result.maxRssKb / 1024) },
    };
    const title = `${bot.name} on ${o.pair} (${priced.label}), ${new Date(o.from).toISOString().slice(0, 16)} → ${new Date(o.to).toISOString().slice(0, 16)}: ${metrics.totalReturnPct.toFixed(2)} % (buy and hold ${metrics.buyAndHoldReturnPct.toFixed(2)} %)`;
    return { report, svg: equityChartSvg(title, curve, dd, trades) };
  };
  return o.save === false ? build(0, '').report : saveReport(home, build);
}

function errorText({ name, message }: BotError): string {
  return name && name !== 'Error' ? `${name}: ${message}` : message;
}
