// Backtests are kept in the home as files, one report (JSON) and one chart (SVG) each, numbered in order:
// `botctl backtests` lists them and `botctl backtest show ID` reads one back. Nothing goes into the run tables.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../atomic-write.js';
import { notFound } from '../errors.js';
import type { BacktestReport } from './report.js';

export function backtestsDir(home: string): string {
  return join(home, 'backtests');
}

export function saveReport(home: string, make: (id: number, chartPath: string) => { report: BacktestReport; svg: string }): BacktestReport {
  const dir = backtestsDir(home);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Exclusive creation of the id's file claims it: two backtests finishing at once get different ids.
  for (let id = nextId(dir); ; id++) {
    const path = join(dir, `${id}.json`);
    try {
      writeFileSync(path, '', { flag: 'wx', mode: 0o600 });
    } catch (error) {
      // Taken by another backtest: the next id. Anything else (a full disk, no permission) is the caller's.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    const chartPath = join(dir, `${id}.svg`);
    try {
      const { report, svg } = make(id, chartPath);
      writeFileAtomically(chartPath, svg);
      writeFileAtomically(path, JSON.stringify(report));
      return report;
    } catch (error) {
      // No half-stored backtest: the claimed id's empty file and the chart go with the failure.
      rmSync(path, { force: true });
      rmSync(chartPath, { force: true });
      throw error;
    }
  }
}

function nextId(dir: string): number {
  const ids = readdirSync(dir).map((f) => /^(\d+)\.json$/.exec(f)?.[1]).filter((x): x is string => x !== undefined).map(Number);
  return ids.length ? Math.max(...ids) + 1 : 1;
}

export function loadReport(home: string, id: string): BacktestReport {
  const path = join(backtestsDir(home), `${/^\d+$/.test(id) ? id : 'none'}.json`);
  if (!existsSync(path)) throw notFound(`No backtest ${JSON.stringify(id)}.`, 'botctl backtests');
  return JSON.parse(readFileSync(path, 'utf8')) as BacktestReport;
}

export function listReports(home: string): BacktestReport[] {
  const dir = backtestsDir(home);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^(\d+)\.json$/.exec(f)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
    .flatMap((id) => {
      try {
        return [JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')) as BacktestReport];
      } catch {
        return []; // being written
      }
    });
}
