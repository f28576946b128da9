// The equity curve in one line of a terminal: eight block heights, each character the mean of its share of points.
const blocks = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly number[], width = 60): string {
  if (values.length === 0) return '';
  const n = Math.min(width, values.length);
  const means: number[] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * values.length) / n);
    const to = Math.max(from + 1, Math.floor(((i + 1) * values.length) / n));
    let sum = 0;
    for (let j = from; j < to; j++) sum += values[j] ?? 0;
    means.push(sum / (to - from));
  }
  const lo = Math.min(...means);
  const hi = Math.max(...means);
  return means.map((v) => blocks[hi > lo ? Math.round(((v - lo) / (hi - lo)) * (blocks.length - 1)) : 3]).join('');
}
