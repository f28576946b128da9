import type { BacktestReport } from '../../backtest/report.js';
import type { SweepResult } from '../../backtest/sweep.js';
import { invalid } from '../../errors.js';
import { validateRiskConfig } from '../../subscriptions/risk-config.js';
import type { Arguments, Options } from '../commands.js';
import type { CommandContext } from '../context.js';
import { readJsonOption } from '../json-option.js';
import { keyValues, line, table, toned } from '../output.js';
import { isoMinute, parseTime } from '../parse-time.js';
import { progressBar } from '../progress.js';

// `botctl backtest BOT …` runs one; `botctl backtest show ID` prints a stored one.
export async function run(context: CommandContext, [ref, id]: Arguments<'backtest'>, options: Options<'backtest'>): Promise<BacktestReport | SweepResult> {
  if (ref === 'show') {
    const { loadReport } = await import('../../backtest/report-store.js');
    return loadReport(context.home, id ?? '');
  }
  const parsed = backtestOptions(ref, options);
  const sweep = options.sweep === undefined ? undefined : await import('../../backtest/sweep.js');
  const axes = options.sweep === undefined ? undefined : sweep?.parseSweep(options.sweep);
  const holdout = sweep?.parseHoldout(options.holdout);
  const metric = sweep?.sweepMetric(options.metric);
  const connection = await context.database();
  const { runBacktest } = await import('../../backtest/run-backtest.js');
  const bar = progressBar(sweep ? `sweep ${ref}` : `backtest ${ref}`);
  const cancel = new AbortController();
  const stop = () => cancel.abort();
  process.once('SIGINT', stop);
  try {
    const onProgress = (done: number, total: number) => bar.update(done, total);
    if (sweep && axes && metric !== undefined && holdout !== undefined) return await sweep.runSweep(context.home, connection, { ...parsed, onProgress, cancel: cancel.signal }, axes, holdout, metric);
    return await runBacktest(context.home, connection, { ...parsed, onProgress, cancel: cancel.signal });
  } finally {
    process.off('SIGINT', stop);
    bar.stop();
  }
}

export function backtestOptions(bot: string, options: Options<'backtest'>) {
  if (!options.pair) throw invalid('Expected `--pair` with the pair to backtest, such as BTC/USDT, got nothing.');
  const config = readJsonOption('--config', options.config) ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw invalid(`Expected \`--config\` to be a JSON object, got ${JSON.stringify(config).slice(0, 60)}.`);
  return {
    bot,
    pair: options.pair,
    from: parseTime('--from', options.from),
    to: parseTime('--to', options.to),
    every: options.every,
    schedule: options.schedule,
    config: config as Record<string, unknown>,
    risk: validateRiskConfig(readJsonOption('--risk', options.risk)),
    balance: options.balance === undefined ? undefined : balanceOf(options.balance),
    feeRate: options.fee === undefined ? undefined : percent('--fee', options.fee, 10) / 100,
    slippageBps: options.slippage === undefined ? undefined : percent('--slippage', options.slippage, 10) * 100,
    version: options.version === undefined ? undefined : positiveInt('--version', options.version),
    failFast: options.failFast === true,
  };
}

function balanceOf(value: string): Record<string, number> {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Z0-9]{1,20})$/.exec(value.trim());
  if (!match) throw invalid(`Expected \`--balance\` to be an amount and a currency such as 10000USDT, got ${JSON.stringify(value)}.`);
  return { [match[2]!]: Number(match[1]) };
}

function percent(flag: string, value: string, max: number): number {
  const n = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0 || n > max) throw invalid(`Expected \`${flag}\` to be a percentage from 0 to ${max}, such as 0.1, got ${JSON.stringify(value)}.`);
  return n;
}

function positiveInt(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw invalid(`Expected \`${flag}\` to be a version number such as 2, got ${JSON.stringify(value)}.`);
  return Number(value);
}

const pct = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)} %`);
const num = (x: number | null, digits = 2) => (x === null ? '—' : x.toFixed(digits));

export function render(result: BacktestReport | SweepResult): string {
  if ('grid' in result) return renderSweep(result);
  const r = result;
  const m = r.metrics;
  const days = (ms: number) => `${(ms / 86_400_000).toFixed(1)} days`;
  const head = keyValues([
    ['backtest', r.id],
    ['bot', `${r.bot.name}${r.bot.version ? ` v${r.bot.version}` : ''} (${r.bot.code_sha256.slice(0, 12)})`],
    ['pair', `${r.pair} on ${r.data.series}${r.data.gaps.length ? `, ${r.data.gaps.length} gaps in the data` : ''}`],
    ['period', `${isoMinute(r.from)} .. ${isoMinute(r.to)}, ${r.slots.run} slots ${r.slots.schedule ? `(${r.slots.schedule})` : `every ${r.slots.every}`}${r.slots.failed ? `, ${r.slots.failed} failed` : ''}${r.slots.skipped ? `, ${r.slots.skipped} skipped` : ''}`],
    ['return', { text: `${pct(m.totalReturnPct)}  (buy and hold ${pct(m.buyAndHoldReturnPct)})  ${num(m.startEquity)} → ${num(m.endEquity)}`, tone: m.totalReturnPct >= 0 ? 'good' : 'bad' }],
    ['max drawdown', `${pct(m.maxDrawdownPct)} over ${days(m.maxDrawdownDurationMs)}`],
    ['sharpe / sortino', `${num(m.sharpe)} / ${num(m.sortino)}`],
    ['trades', `${m.trades}, win rate ${pct(m.winRatePct)}, profit factor ${num(m.profitFactor)}`],
    ['exposure', pct(m.exposurePct)],
    ['orders / fees', `${m.orders} / ${num(m.feesPaid)}`],
    ['equity', r.sparkline],
    ['chart', r.chart],
  ]);
  const trades = r.trades.length
    ? `\n\n${table(['entry', 'exit', 'side', 'entry price', 'exit price', 'amount', 'fees', 'P&L'], r.trades.slice(-20).map((t) => [isoMinute(t.entryTime), t.exitTime === null ? 'open' : isoMinute(t.exitTime), t.side, num(t.entryPrice), num(t.exitPrice), t.amount, num(t.fees), num(t.pnl)]))}${r.trades.length > 20 ? `\n(last 20 of ${r.trades.length} trades; --json has them all)` : ''}`
    : '';
  const failures = r.failures.length ? `\n\n${toned({ text: 'failed slots', tone: 'bad' })}\n${r.failures.slice(0, 10).map((f) => `  ${isoMinute(f.time)}  ${line(f.error.split('\n')[0] ?? '')}`).join('\n')}` : '';
  return `${head}${trades}${failures}`;
}

function renderSweep(s: SweepResult): string {
  const head = keyValues([
    ['grid', `${s.grid} configs on ${s.cores} cores, ranked by ${s.metric}`],
    ['in sample', `${isoMinute(s.inSample.from)} .. ${isoMinute(s.inSample.to)}`],
    ['out of sample', s.outOfSample ? `${isoMinute(s.outOfSample.from)} .. ${isoMinute(s.outOfSample.to)}` : 'none (--holdout 0)'],
    ['rejected', s.rejected.length ? `${s.rejected.length} (${s.rejected[0]?.error?.split('\n')[0] ?? ''})` : 'none'],
  ]);
  const rows = s.best.map((r) => [
    JSON.stringify(r.config), pct(r.inSample?.totalReturnPct ?? null), num(r.inSample?.sharpe ?? null), pct(r.inSample?.maxDrawdownPct ?? null), r.inSample?.trades ?? 0,
    pct(r.outOfSample?.totalReturnPct ?? null), num(r.outOfSample?.sharpe ?? null), pct(r.outOfSample?.maxDrawdownPct ?? null),
  ]);
  const warnings = s.warnings.map((w) => `${toned({ text: 'warning:', tone: 'warn' })} ${line(w)}`).join('\n');
  return `${head}\n\n${table(['config', 'return', 'sharpe', 'max dd', 'trades', 'OOS return', 'OOS sharpe', 'OOS max dd'], rows)}${warnings ? `\n${warnings}` : ''}`;
}
