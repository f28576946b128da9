// Fitting text into columns: display width, wrapping, truncation, and a borderless table laid out to a width.
// Text here is plain (styles are applied to the finished cells by the caller), so widths are exact.

// East Asian wide and emoji code points take two columns; combining marks and zero-width ones take none.
const wide = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const zero = /[\u0300-\u036f\u200b-\u200f\ufe00-\ufe0f]/u;

export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += zero.test(char) ? 0 : wide.test(char) ? 2 : 1;
  return width;
}

/** `text` cut to `width` columns, ending in … when cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = displayWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

/** `text` wrapped to `width` columns: at spaces where it can, through a word longer than the line where not. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      const candidate = line ? `${line} ${word}` : word;
      if (displayWidth(candidate) <= width) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      line = word;
      while (displayWidth(line) > width) {
        const [head, rest] = splitAt(line, width);
        lines.push(head);
        line = rest;
      }
    }
    lines.push(line);
  }
  return lines;
}

// Breaks a word too long for its line after the last / _ : . , - that fits (BTC/USDT: | USDT, take_profit_ | market),
// else at the width.
function splitAt(text: string, width: number): [string, string] {
  let head = '';
  let used = 0;
  let lastBreak = 0;
  for (const char of text) {
    const w = displayWidth(char);
    if (used + w > width && head) break;
    head += char;
    used += w;
    if (/[/_:.,-]/.test(char)) lastBreak = head.length;
  }
  if (lastBreak > 0 && lastBreak < head.length && head.length < text.length) head = head.slice(0, lastBreak);
  return [head, text.slice(head.length)];
}

export interface ColumnSpec {
  head: string;
  /** Free text: cut with … when it does not fit (the whole text is in --json and `botctl logs`). Else it wraps. */
  truncate?: boolean;
  /** May be shrunk before the other columns (long names, free text). */
  flexible?: boolean;
  /** Left out when the table does not fit otherwise (it is in --json). */
  optional?: boolean;
  align?: 'left' | 'right';
}

export interface LaidOutTable {
  /** The columns kept, in order. */
  columns: number[];
  widths: number[];
  /** Per row, per kept column: the cell's lines. */
  rows: string[][][];
}

const gap = 2;

/** Chooses the columns and their widths for `width`, and wraps or cuts every cell to fit. */
export function layOut(specs: ColumnSpec[], rows: string[][], width: number): LaidOutTable {
  const natural = specs.map((spec, i) => Math.max(displayWidth(spec.head), ...rows.map((row) => displayWidth(row[i] ?? ''))));
  let columns = specs.map((_, i) => i);
  const total = (kept: number[], widths: number[]) => kept.reduce((sum, i) => sum + (widths[i] ?? 0), 0) + gap * (kept.length - 1);
  // Optional columns show only while everything fits unshrunk; they go from the right, one at a time.
  for (let i = specs.length - 1; i >= 0 && total(columns, natural) > width; i--) {
    if (specs[i]?.optional) columns = columns.filter((c) => c !== i);
  }
  const floor = (i: number) => Math.min(natural[i] ?? 0, Math.max(displayWidth(specs[i]?.head ?? ''), specs[i]?.flexible ? 8 : 4));
  const widths = [...natural];
  // Shrink the widest flexible column a column at a time; then, if need be, the widest of any.
  for (const pool of [columns.filter((c) => specs[c]?.flexible), columns]) {
    while (total(columns, widths) > width) {
      const widest = pool.filter((c) => (widths[c] ?? 0) > floor(c)).sort((a, b) => (widths[b] ?? 0) - (widths[a] ?? 0))[0];
      if (widest === undefined) break;
      widths[widest] = (widths[widest] ?? 0) - 1;
    }
  }
  const laidOut = rows.map((row) =>
    columns.map((c) => {
      const text = row[c] ?? '';
      const w = widths[c] ?? 0;
      if (displayWidth(text) <= w) return [text];
      return specs[c]?.truncate ? [truncate(text, w)] : wrap(text, w);
    }),
  );
  return { columns, widths: columns.map((c) => widths[c] ?? 0), rows: laidOut };
}

/** Pads `text` (plain, `shown` as the caller styles it) to `width` columns. */
export function pad(text: string, shown: string, width: number, align: 'left' | 'right' = 'left'): string {
  const space = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? `${space}${shown}` : `${shown}${space}`;
}

export const columnGap = ' '.repeat(gap);
