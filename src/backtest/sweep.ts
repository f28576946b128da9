// `--sweep 'fast=5..15:2,slow=20..60:10'`: the grid of configs, each backtested on the in-sample part of the period;
// the best by the chosen metric are then run on the held-out rest of the period (`--holdout 30%`), and a warning says
// when the two disagree. One long-lived sandboxed child per core runs config after config (a child start costs more
// than a short backtest), each config with a fresh evaluation of the bot's module and nothing of the last run's
// state (src/runtime/fresh-bot.ts); its trades are served and reported by the parent, as for a single backtest.
import { availableParallelism } from 'node:os';
import type { Connection } from '../db/open.js';
import { BotctlError, invalid } from '../errors.js';
import type { Metrics } from './metrics.js';
import { runBacktest, type BacktestOptions, type ChildLane } from './run-backtest.js';

export interface SweepAxis {
  name: string;
  values: number[];
}

export type SweepMetric = 'sharpe' | 'sortino' | 'return' | 'profit_factor' | 'win_rate' | 'drawdown';

export interface SweepRow {
  config: Record<string, unknown>;
  inSample: Metrics | null;
  outOfSample: Metrics | null;
  error: string | null;
}

export interface SweepResult {
  metric: SweepMetric;
  grid: number;
  inSample: { from: number; to: number };
  outOfSample: { from: number; to: number } | null;
  cores: number;
  /** Sandboxed children started: one per core at most, unless one ended mid-sweep and was replaced. */
  children: number;
  best: SweepRow[];
  rejected: SweepRow[];
  warnings: string[];
}

const maxGrid = 1_000;

export function parseSweep(spec: string): SweepAxis[] {
  const axes = spec.split(',').map((part) => {
    const match = /^\s*([A-Za-z_][\w.]*)\s*=\s*(-?\d+(?:\.\d+)?)\s*\.\.\s*(-?\d+(?:\.\d+)?)\s*(?::\s*(\d+(?:\.\d+)?))?\s*$/.exec(part);
    if (!match) throw invalid(`Expected \`--sweep\` to be NAME=FROM..TO[:STEP] pairs separated by commas, such as fast=5..15:2,slow=20..60:10, got ${JSON.stringify(part)}.`);
    const [, name = '', a = '', b = '', s = '1'] = match;
    const [from, to, step] = [Number(a), Number(b), Number(s)];
    if (!(step > 0) || to < from) throw invalid(`Expected \`--sweep\` ${name} to run upwards by a positive step, got ${JSON.stringify(part.trim())}.`);
    const values: number[] = [];
    for (let v = from; v <= to + 1e-9; v += step) values.push(Number(v.toFixed(10)));
    return { name, values };
  });
  const size = axes.reduce((n, axis) => n * axis.values.length, 1);
  if (size > maxGrid) throw invalid(`\`--sweep\` makes ${size} configs; at most ${maxGrid} are run.`);
  return axes;
}

export function parseHoldout(value: string | undefined): number {
  if (value === undefined) return 0.3;
  const n = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0 || n >= 90) throw invalid(`Expected \`--holdout\` to be a percentage from 0 to 90, such as 30%, got ${JSON.stringify(value)}.`);
  return n / 100;
}

const metricOf: Record<SweepMetric, (m: Metrics) => number> = {
  sharpe: (m) => m.sharpe ?? -Infinity,
  sortino: (m) => m.sortino ?? -Infinity,
  return: (m) => m.totalReturnPct,
  profit_factor: (m) => m.profitFactor ?? (m.trades > 0 ? Infinity : -Infinity),
  win_rate: (m) => m.winRatePct ?? -Infinity,
  drawdown: (m) => -m.maxDrawdownPct,
};

export function sweepMetric(value: string | undefined): SweepMetric {
  const metric = (value ?? 'sharpe') as SweepMetric;
  if (!(metric in metricOf)) throw invalid(`Expected \`--metric\` to be one of ${Object.keys(metricOf).join(', ')}, got ${JSON.stringify(value)}.`);
  return metric;
}

export async function runSweep(home: string, connection: Connection, base: BacktestOptions, axes: SweepAxis[], holdout: number, metric: SweepMetric, top = 5): Promise<SweepResult> {
  const cores = Math.max(1, availableParallelism());
  const lanes: ChildLane[] = Array.from({ length: cores }, () => ({ started: 0 }));
  try {
    return await sweepIn(lanes, home, connection, base, axes, holdout, metric, top);
  } finally {
    await Promise.all(lanes.map((lane) => lane.child?.close()));
  }
}

async function sweepIn(lanes: ChildLane[], home: string, connection: Connection, base: BacktestOptions, axes: SweepAxis[], holdout: number, metric: SweepMetric, top: number): Promise<SweepResult> {
  const split = Math.round(base.from + (base.to - base.from) * (1 - holdout));
  const configs = grid(axes).map((values) => ({ ...base.config, ...values }));
  const cores = lanes.length;
  let done = 0;
  const run = async (lane: ChildLane, config: Record<string, unknown>, from: number, to: number): Promise<{ metrics: Metrics | null; error: string | null }> => {
    try {
      const report = await runBacktest(home, connection, { ...base, config, from, to, save: false, onProgress: undefined }, lane);
      return { metrics: report.metrics, error: report.slots.failed ? `${report.slots.failed} slots failed: ${report.failures[0]?.error ?? ''}` : null };
    } catch (error) {
      if (error instanceof BotctlError && error.exitCode === 2) return { metrics: null, error: error.message.split('\n').slice(0, 3).join(' ') };
      throw error;
    } finally {
      base.onProgress?.(++done, configs.length);
    }
  };
  const rows = await pool(configs, cores, async (config, worker) => {
    const { metrics, error } = await run(lanes[worker]!, config, base.from, split);
    return { config, inSample: metrics, outOfSample: null, error } as SweepRow;
  });
  const score = metricOf[metric];
  const ranked = rows.filter((r) => r.inSample && !r.error).sort((a, b) => score(b.inSample!) - score(a.inSample!));
  const best = ranked.slice(0, top);
  const warnings: string[] = [];
  if (holdout > 0) {
    await pool(best, cores, async (row, worker) => {
      row.outOfSample = (await run(lanes[worker]!, row.config, split, base.to)).metrics;
    });
    for (const row of best) {
      const ins = row.inSample!;
      const out = row.outOfSample;
      if (!out) continue;
      const diverges = Math.sign(ins.totalReturnPct) !== Math.sign(out.totalReturnPct) || (score(ins) > 0 && score(out) < score(ins) / 2);
      if (diverges) warnings.push(`${JSON.stringify(pick(row.config, axes))}: in-sample ${metric} ${fmt(score(ins))} (return ${fmt(ins.totalReturnPct)} %), out-of-sample ${fmt(score(out))} (return ${fmt(out.totalReturnPct)} %): likely overfit`);
    }
  }
  return {
    metric, grid: configs.length, inSample: { from: base.from, to: split }, outOfSample: holdout > 0 ? { from: split, to: base.to } : null, cores,
    children: lanes.reduce((n, lane) => n + lane.started, 0),
    best, rejected: rows.filter((r) => r.error !== null), warnings,
  };
}

function grid(axes: SweepAxis[]): Record<string, number>[] {
  return axes.reduce<Record<string, number>[]>((combos, axis) => combos.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.name]: v }))), [{}]);
}

/** `work` on every item, `width` workers at a time; each worker (0 .. width-1) takes item after item. */
async function pool<T, R>(items: T[], width: number, work: (item: T, worker: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async (_, worker) => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, worker);
    }
  }));
  return out;
}

function pick(config: Record<string, unknown>, axes: SweepAxis[]): Record<string, unknown> {
  return Object.fromEntries(axes.map((a) => [a.name, config[a.name]]));
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : String(x));
