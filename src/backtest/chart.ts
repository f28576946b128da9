// The equity curve as an SVG a browser opens: three panes over one time axis, price (with the trades' entries and
// exits), equity against buy-and-hold, and drawdown. At most ~1,500 points per line: a year of 1m slots is drawn
// from the lowest and highest value in each pixel column, so no spike disappears.
import type { EquityPoint } from './equity.js';
import type { Trade } from './trades.js';

const width = 1200;
const paneHeight = 220;
const left = 80;
const right = 20;
const top = 40;
const gap = 30;

export function equityChartSvg(title: string, curve: readonly EquityPoint[], drawdownPct: readonly number[], trades: readonly Trade[]): string {
  const t0 = curve[0]?.time ?? 0;
  const t1 = curve[curve.length - 1]?.time ?? t0 + 1;
  const x = (t: number) => left + ((t - t0) / Math.max(1, t1 - t0)) * (width - left - right);
  const startPrice = curve[0]?.price ?? 1;
  const startEquity = curve[0]?.equity ?? 1;
  const hold = curve.map((p) => ({ time: p.time, value: (startEquity * p.price) / startPrice }));
  const panes = [
    pane(0, 'price', [{ points: curve.map((p) => ({ time: p.time, value: p.price })), colour: '#555' }], x),
    pane(1, 'equity (— buy and hold)', [
      { points: hold, colour: '#999', dash: true },
      { points: curve.map((p) => ({ time: p.time, value: p.equity })), colour: '#1f77b4' },
    ], x),
    pane(2, 'drawdown %', [{ points: curve.map((p, i) => ({ time: p.time, value: -(drawdownPct[i] ?? 0) })), colour: '#d62728', fill: true }], x),
  ];
  const priceScale = scaleOf([curve.map((p) => p.price)]);
  const marks = trades.flatMap((t) => [
    marker(x(t.entryTime), priceScale(t.entryPrice, 0), t.side === 'long' ? '#2ca02c' : '#d62728', t.side === 'long' ? '▲' : '▼'),
    ...(t.exitTime !== null && t.exitPrice !== null ? [marker(x(t.exitTime), priceScale(t.exitPrice, 0), '#333', '×')] : []),
  ]);
  const height = top + 3 * paneHeight + 2 * gap + 40;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="24" font-size="15">${escape(title)}</text>`,
    ...panes,
    ...marks,
    `<text x="${left}" y="${height - 12}">${new Date(t0).toISOString()}</text>`,
    `<text x="${width - right}" y="${height - 12}" text-anchor="end">${new Date(t1).toISOString()}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

interface Line {
  points: { time: number; value: number }[];
  colour: string;
  dash?: boolean;
  fill?: boolean;
}

function scaleOf(values: number[][]): (v: number, index: number) => number {
  const [lo, hi] = extent(values.flat());
  const span = hi - lo || Math.abs(hi) || 1;
  return (v, index) => top + index * (paneHeight + gap) + paneHeight - ((v - lo) / span) * paneHeight;
}

function pane(index: number, label: string, lines: Line[], x: (t: number) => number): string {
  const y = scaleOf(lines.map((l) => l.points.map((p) => p.value)));
  const y0 = top + index * (paneHeight + gap);
  const [lo, hi] = extent(lines.flatMap((l) => l.points.map((p) => p.value)));
  const paths = lines.map((line) => {
    const d = thin(line.points, x).map((p, i) => `${i ? 'L' : 'M'}${x(p.time).toFixed(1)},${y(p.value, index).toFixed(1)}`).join('');
    const area = line.fill && line.points.length ? `${d}L${x(line.points[line.points.length - 1]!.time).toFixed(1)},${y(Math.max(lo, Math.min(hi, 0)), index).toFixed(1)}L${x(line.points[0]!.time).toFixed(1)},${y(Math.max(lo, Math.min(hi, 0)), index).toFixed(1)}Z` : '';
    return [
      area ? `<path d="${area}" fill="${line.colour}" fill-opacity="0.2" stroke="none"/>` : '',
      `<path d="${d}" fill="none" stroke="${line.colour}" stroke-width="1.2"${line.dash ? ' stroke-dasharray="4 3"' : ''}/>`,
    ].join('');
  });
  return [
    `<rect x="${left}" y="${y0}" width="${width - left - right}" height="${paneHeight}" fill="none" stroke="#ddd"/>`,
    `<text x="${left + 6}" y="${y0 + 14}" fill="#333">${escape(label)}</text>`,
    `<text x="${left - 6}" y="${y0 + 10}" text-anchor="end" fill="#666">${format(hi)}</text>`,
    `<text x="${left - 6}" y="${y0 + paneHeight}" text-anchor="end" fill="#666">${format(lo)}</text>`,
    ...paths,
  ].join('\n');
}

// Per pixel column, the first, lowest, highest and last point, in time order.
function thin(points: { time: number; value: number }[], x: (t: number) => number): { time: number; value: number }[] {
  if (points.length <= 1500) return points;
  const out: { time: number; value: number }[] = [];
  let column = NaN;
  let bucket: { time: number; value: number }[] = [];
  const flush = () => {
    if (!bucket.length) return;
    const lo = bucket.reduce((a, b) => (b.value < a.value ? b : a));
    const hi = bucket.reduce((a, b) => (b.value > a.value ? b : a));
    const picked = [...new Set([bucket[0]!, lo, hi, bucket[bucket.length - 1]!])].sort((a, b) => a.time - b.time);
    out.push(...picked);
    bucket = [];
  };
  for (const p of points) {
    const c = Math.floor(x(p.time));
    if (c !== column) {
      flush();
      column = c;
    }
    bucket.push(p);
  }
  flush();
  return out;
}

function marker(x: number, y: number, colour: string, glyph: string): string {
  return `<text x="${x.toFixed(1)}" y="${(y + 4).toFixed(1)}" text-anchor="middle" fill="${colour}" font-size="11">${glyph}</text>`;
}

function format(v: number): string {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4);
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

// A loop, not Math.min(...values): a year of 1m slots is more arguments than a call may take.
function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}
