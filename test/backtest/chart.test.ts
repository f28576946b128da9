// The report's chart (src/backtest/chart.ts): three panes on one UTC time axis with round ticks, a legend for the
// equity pane, trade markers where the trades happened. Looked at as a PNG (rsvg-convert) when these were chosen.
import { describe, expect, it } from 'vitest';
import { equityChartSvg } from '../../src/backtest/chart.js';

const hour = 3_600_000;
const from = Date.parse('2021-02-19T06:00Z');
const curve = Array.from({ length: 161 }, (_, i) => ({ time: from + i * hour, price: 50_000 + 4_000 * Math.sin(i / 20), equity: 10_000 + 150 * Math.sin(i / 30), position: 0 }));
const peak = curve.reduce<number[]>((out, p, i) => [...out, Math.max(out[i - 1] ?? p.equity, p.equity)], []);
const drawdown = curve.map((p, i) => (1 - p.equity / peak[i]!) * 100);
const trade = { side: 'long' as const, entryTime: from + 10 * hour, exitTime: from + 40 * hour, entryPrice: curve[10]!.price, exitPrice: curve[40]!.price, amount: 0.1, fees: 1, pnl: 5, returnPct: 0.1 };

describe('equityChartSvg', () => {
  const svg = equityChartSvg('sma on BTC/USDT', curve, drawdown, [trade]);
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)</g)].map((m) => m[1]);

  it('labels the time axis with round UTC days, not the raw first and last instants', () => {
    expect(texts).toEqual(expect.arrayContaining(['2021-02-20', '2021-02-21', '2021-02-25', 'UTC']));
    expect(svg).not.toContain('.000Z');
  });

  it('gives each pane round value ticks, drawdown in percent from 0', () => {
    expect(texts).toEqual(expect.arrayContaining(['46000', '54000', '10000', '0 %']));
    expect(texts.some((t) => /^-\d+(\.\d+)? %$/.test(t ?? ''))).toBe(true);
    expect(texts).not.toContain('0.0000');
  });

  it('names the strategy and buy-and-hold lines, and marks the entry and exit at their prices', () => {
    expect(texts).toEqual(expect.arrayContaining(['price', 'equity', 'drawdown', 'strategy', 'buy and hold']));
    expect(svg).toContain(`<title>long entry ${trade.entryPrice}</title>`);
    expect(svg).toContain(`<title>long exit ${trade.exitPrice}</title>`);
  });
});
