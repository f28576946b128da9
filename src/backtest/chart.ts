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
  const prices = curve.map((p) => ({ time: p.time, value: p.price }));
  const panes = [
    pane(0, 'price', [{ points: prices, colour: '#555' }], x, format),
    pane(1, 'equity', [
      { points: hold, colour: '#999', dash: true, name: 'buy and hold' },
      { points: curve.map((p) => ({ time: p.time, value: p.equity })), colour: '#1f77b4', name: 'strategy' },
    ], x, format),
    // Drawn down from 0 %: the pane always includes it, so a shallow drawdown is not stretched to the full height.
    pane(2, 'drawdown', [{ points: curve.map((p, i) => ({ time: p.time, value: -(drawdownPct[i] ?? 0) })), colour: '#d62728', fill: true }], x, (v) => `${format(v)} %`, 0),
  ];
  const priceY = scaleOf(niceExtent(extent(curve.map((p) => p.price))));
  const marks = trades.flatMap((t) => {
    const long = t.side === 'long';
    return [
      marker(x(t.entryTime), priceY(t.entryPrice, 0), long ? '#2ca02c' : '#d62728', long ? '▲' : '▼', `${t.side} entry ${t.entryPrice}`),
      ...(t.exitTime !== null && t.exitPrice !== null ? [marker(x(t.exitTime), priceY(t.exitPrice, 0), long ? '#d62728' : '#2ca02c', long ? '▼' : '▲', `${t.side} exit ${t.exitPrice}`)] : []),
    ];
  });
  const height = top + 3 * paneHeight + 2 * gap + 40;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="24" font-size="15">${escape(title)}</text>`,
    timeAxis(t0, t1, x, height),
    ...panes,
    ...marks,
    '</svg>',
    '',
  ].join('\n');
}

interface Line {
  points: { time: number; value: number }[];
  colour: string;
  dash?: boolean;
  fill?: boolean;
  /** Shown in the pane's legend. */
  name?: string;
}

/** Value to y in pane `index`, over [lo, hi]. */
function scaleOf([lo, hi]: [number, number]): (v: number, index: number) => number {
  const span = hi - lo || Math.abs(hi) || 1;
  return (v, index) => top + index * (paneHeight + gap) + paneHeight - ((v - lo) / span) * paneHeight;
}

function pane(index: number, label: string, lines: Line[], x: (t: number) => number, tickLabel: (v: number) => string, include?: number): string {
  const values = lines.flatMap((l) => l.points.map((p) => p.value));
  if (include !== undefined) values.push(include);
  const [lo, hi] = niceExtent(extent(values));
  const y = scaleOf([lo, hi]);
  const y0 = top + index * (paneHeight + gap);
  const base = y(Math.max(lo, Math.min(hi, 0)), index).toFixed(1);
  const paths = lines.map((line) => {
    const d = thin(line.points, x).map((p, i) => `${i ? 'L' : 'M'}${x(p.time).toFixed(1)},${y(p.value, index).toFixed(1)}`).join('');
    const area = line.fill && line.points.length ? `${d}L${x(line.points[line.points.length - 1]!.time).toFixed(1)},${base}L${x(line.points[0]!.time).toFixed(1)},${base}Z` : '';
    return [
      area ? `<path d="${area}" fill="${line.colour}" fill-opacity="0.2" stroke="none"/>` : '',
      `<path d="${d}" fill="none" stroke="${line.colour}" stroke-width="1.2"${line.dash ? ' stroke-dasharray="4 3"' : ''}/>`,
    ].join('');
  });
  const ticks = niceTicks(lo, hi).map((v) => {
    const ty = y(v, index).toFixed(1);
    return `<line x1="${left}" x2="${width - right}" y1="${ty}" y2="${ty}" stroke="#eee"/><text x="${left - 6}" y="${(Number(ty) + 4).toFixed(1)}" text-anchor="end" fill="#666">${escape(tickLabel(v))}</text>`;
  });
  return [
    ...ticks,
    `<rect x="${left}" y="${y0}" width="${width - left - right}" height="${paneHeight}" fill="none" stroke="#ccc"/>`,
    `<text x="${left + 6}" y="${y0 + 15}" fill="#333" font-weight="bold">${escape(label)}</text>`,
    legend(lines, y0),
    ...paths,
  ].join('\n');
}

function legend(lines: Line[], y0: number): string {
  return lines
    .filter((l) => l.name)
    .map((l, i) => {
      const lx = left + 70 + i * 130;
      return `<line x1="${lx}" x2="${lx + 24}" y1="${y0 + 11}" y2="${y0 + 11}" stroke="${l.colour}" stroke-width="2"${l.dash ? ' stroke-dasharray="4 3"' : ''}/><text x="${lx + 30}" y="${y0 + 15}" fill="#333">${escape(l.name!)}</text>`;
    })
    .join('');
}

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const timeSteps = [minute, 5 * minute, 15 * minute, hour, 3 * hour, 6 * hour, 12 * hour, day, 2 * day, 7 * day, 14 * day, 30 * day, 91 * day, 182 * day, 365 * day];

// Vertical grid lines at round UTC times (at most about 8) across the three panes, labelled under the last one.
function timeAxis(t0: number, t1: number, x: (t: number) => number, height: number): string {
  const step = timeSteps.find((s) => (t1 - t0) / s <= 8) ?? 365 * day;
  const out: string[] = [];
  const bottom = top + 3 * paneHeight + 2 * gap;
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const tx = x(t).toFixed(1);
    const iso = new Date(t).toISOString();
    const text = step >= day ? iso.slice(0, 10) : t % day === 0 ? `${iso.slice(0, 10)} 00:00` : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
    out.push(`<line x1="${tx}" x2="${tx}" y1="${top}" y2="${bottom}" stroke="#eee"/><text x="${tx}" y="${bottom + 16}" text-anchor="middle" fill="#666">${text}</text>`);
  }
  out.push(`<text x="${width - right}" y="${height - 8}" text-anchor="end" fill="#999">UTC</text>`);
  return out.join('\n');
}

/** Round tick values inside [lo, hi], about five. */
function niceTicks(lo: number, hi: number): number[] {
  const step = niceStep((hi - lo) / 4);
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const r = raw / magnitude;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10) * magnitude;
}

/** [lo, hi] widened to round ticks, a flat line given some room. */
function niceExtent([lo, hi]: [number, number]): [number, number] {
  if (hi === lo) {
    const pad = Math.abs(hi) * 0.01 || 1;
    return [lo - pad, hi + pad];
  }
  const step = niceStep((hi - lo) / 4);
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
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

function marker(x: number, y: number, colour: string, glyph: string, what: string): string {
  return `<text x="${x.toFixed(1)}" y="${(y + 5).toFixed(1)}" text-anchor="middle" fill="${colour}" stroke="#fff" stroke-width="0.6" font-size="15">${glyph}<title>${escape(what)}</title></text>`;
}

function format(v: number): string {
  if (v === 0) return '0';
  return Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 1 ? String(Number(v.toFixed(2))) : String(Number(v.toFixed(4)));
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
