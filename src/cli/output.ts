// All terminal formatting lives here: commands return data, this turns it into tables, colour and JSON.
// Commands never build colour strings or escape text themselves: they pass cells and values to these helpers,
// which fit them to the terminal's width, colour statuses on a TTY, and show control characters visibly. Bot code
// is hostile, and a log line, error, signal or name it wrote is printed as text, never interpreted by the terminal.
import { Chalk } from 'chalk';
import { visible, visibleJson } from '../text/control-chars.js';
import { colourLevel, terminalWidth } from '../text/terminal.js';
import { columnGap, displayWidth, layOut, pad, wrap, type ColumnSpec } from './output/layout.js';

export type { ColumnSpec } from './output/layout.js';

const paint = new Chalk({ level: colourLevel(process.stdout) });
const paintError = new Chalk({ level: colourLevel(process.stderr) });

/** How a status reads at a glance. */
export type Tone = 'good' | 'bad' | 'warn' | 'info' | 'quiet' | 'plain';

/** A cell or value with a tone: coloured on a TTY, plain otherwise. */
export interface Styled {
  text: string;
  tone: Tone;
}

export type Cell = string | number | boolean | null | undefined | Styled;

const tones: Record<string, Tone> = {
  succeeded: 'good',
  closed: 'good',
  filled: 'good',
  yes: 'good',
  failed: 'bad',
  crashed: 'bad',
  rejected: 'bad',
  timed_out: 'warn',
  abandoned: 'warn',
  unknown: 'warn',
  paused: 'warn',
  running: 'info',
  open: 'info',
  skipped: 'quiet',
  canceled: 'quiet',
  cancelled: 'quiet',
  expired: 'quiet',
};

/** A run, order or subscription status, toned by what it means. */
export function status(value: string | null | undefined): Styled {
  const text = value ?? '';
  return { text, tone: tones[text.split(/[:\s]/, 1)[0] ?? ''] ?? 'plain' };
}

function styled(text: string, tone: Tone, chalk = paint): string {
  if (tone === 'good') return chalk.green(text);
  if (tone === 'bad') return chalk.red(text);
  if (tone === 'warn') return chalk.yellow(text);
  if (tone === 'info') return chalk.cyan(text);
  if (tone === 'quiet') return chalk.dim(text);
  return text;
}

function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'object') return visible(cell.text);
  return visible(String(cell));
}

/** Columns human output is fitted into (see src/text/terminal.ts for TTY and pipe). */
export function outputWidth(): number {
  return terminalWidth(process.stdout);
}

/**
 * A borderless table (header in bold, two spaces between columns) fitted to `width`: optional columns are left
 * out, flexible ones shrink, and cells wrap, or are cut with … for free text. Every cell is shown visibly.
 */
export function table(columns: (string | ColumnSpec)[], rows: Cell[][], width = outputWidth()): string {
  const specs = columns.map((c) => (typeof c === 'string' ? { head: c } : c));
  const texts = rows.map((row) => specs.map((_, i) => cellText(row[i])));
  const laid = layOut(specs, texts, width);
  const line = (cells: { text: string; shown: string; align?: 'left' | 'right' }[]) =>
    cells.map((c, k) => pad(c.text, c.shown, laid.widths[k] ?? 0, c.align)).join(columnGap).trimEnd();
  const out = [line(laid.columns.map((c) => ({ text: specs[c]?.head ?? '', shown: paint.bold(specs[c]?.head ?? ''), align: specs[c]?.align })))];
  laid.rows.forEach((cells, r) => {
    const height = Math.max(...cells.map((lines) => lines.length));
    for (let l = 0; l < height; l++) {
      out.push(
        line(
          cells.map((lines, k) => {
            const c = laid.columns[k] ?? 0;
            const text = lines[l] ?? '';
            const cell = rows[r]?.[c];
            const tone = cell && typeof cell === 'object' ? cell.tone : 'plain';
            return { text, shown: styled(text, tone), align: specs[c]?.align };
          }),
        ),
      );
    }
  });
  return out.join('\n');
}

/** `key  value` lines; a value's further lines (a multi-line error) are indented under its first. */
export function keyValues(pairs: [string, Cell][]): string {
  const width = Math.max(...pairs.map(([k]) => displayWidth(k)));
  return pairs
    .map(([k, v]) => {
      const text = v === null || v === undefined ? '' : typeof v === 'object' ? v.text : String(v);
      const tone = v && typeof v === 'object' ? v.tone : 'plain';
      const [first = '', ...rest] = visible(text, { multiline: true }).split('\n');
      const indent = ' '.repeat(width + 2);
      return [`${paint.dim(k.padEnd(width))}  ${styled(first, tone)}`, ...rest.map((l) => `${indent}${l}`)].join('\n').trimEnd();
    })
    .join('\n');
}

/** Several lines of text a bot wrote (a log tail): newlines and tabs kept, every other control character shown. */
export function block(text: string): string {
  return visible(text, { multiline: true });
}

/** One line of text, control characters shown. */
export function line(text: string): string {
  return visible(text);
}

/** The first line of a free text, cut at `max` characters (a table cell; the whole text is in --json). */
export function firstLine(text: string | null | undefined, max = 120): string {
  const first = text?.split('\n', 1)[0] ?? '';
  return first.length > max ? `${first.slice(0, max)}…` : first;
}

/** Secondary text: dim on a TTY. */
export function quiet(text: string): string {
  return paint.dim(visible(text, { multiline: true }));
}

/** A toned word or phrase (a status in a sentence). */
export function toned(value: Styled): string {
  return styled(visible(value.text), value.tone);
}

/** An error message in running text: red label on a TTY. */
export function errorLine(label: string, message: string): string {
  return `${paint.red(label)} ${visible(message, { multiline: true })}`;
}

/**
 * Entries with a title line and indented fields under it, each wrapped to `width` (a list too wide for a table,
 * such as `botctl templates`): a field's continuation lines line up under its first.
 */
export function described(entries: { title: string; note?: string; fields: [string, string][] }[], width = outputWidth()): string {
  return entries
    .map((entry) => {
      const title = `${paint.bold(visible(entry.title))}${entry.note ? `  ${paint.dim(visible(entry.note))}` : ''}`;
      const label = Math.max(0, ...entry.fields.map(([k]) => displayWidth(k)));
      const lines = entry.fields.flatMap(([k, v]) => {
        const head = k ? `  ${k.padEnd(label)}  ` : '  ';
        const indent = ' '.repeat(displayWidth(head));
        return wrap(visible(v), Math.max(20, width - indent.length)).map((l, i) => `${i === 0 ? (k ? `  ${paint.dim(k.padEnd(label))}  ` : '  ') : indent}${l}`);
      });
      return [title, ...lines].join('\n');
    })
    .join('\n\n');
}

export function success(text: string): string {
  return `${paint.green('✓')} ${visible(text, { multiline: true })}`;
}

export function failure(text: string): string {
  return `${paint.red('✗')} ${visible(text, { multiline: true })}`;
}

/** A subscription (or bot) by name with its id beside it: `sma (1)`. */
export function named(name: string | null | undefined, id: number): string {
  return name ? `${name} (${id})` : String(id);
}

/** An ISO time as `2026-11-29 08:38:21` (UTC, as stored); what is not a time is shown as it is. */
export function when(iso: string | null | undefined, precision: 'seconds' | 'minutes' = 'seconds'): string {
  if (!iso) return '';
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d)?/.exec(iso);
  if (!match) return iso;
  return `${match[1]} ${match[2]}${precision === 'seconds' ? (match[3] ?? ':00') : ''}`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return ms < 10_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${visibleJson(JSON.stringify(value, null, 2))}\n`);
}

export function printError(code: string, message: string, hint: string | undefined, json: boolean): void {
  if (json) {
    process.stderr.write(`${visibleJson(JSON.stringify({ error: { code, message, ...(hint ? { hint } : {}) } }))}\n`);
    return;
  }
  process.stderr.write(`${paintError.red('error:')} ${visible(message, { multiline: true })}\n`);
  if (hint) process.stderr.write(`${paintError.dim('next:')}  ${visible(hint, { multiline: true })}\n`);
}
