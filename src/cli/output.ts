// All terminal formatting lives here: commands return data, this turns it into tables, colour and JSON.
import { Chalk } from 'chalk';
import Table from 'cli-table3';

// Colour only on a TTY, and never when NO_COLOR is set to a non-empty value (per no-color.org).
const useColour = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && !process.env.NO_COLOR;

export const paint = new Chalk({ level: useColour(process.stdout) ? 1 : 0 });
const paintError = new Chalk({ level: useColour(process.stderr) ? 1 : 0 });

export type Cell = string | number | boolean | null | undefined;

export function table(head: string[], rows: Cell[][]): string {
  const t = new Table({
    head: head.map((h) => paint.bold(h)),
    style: { head: [], border: [] },
    wordWrap: true,
  });
  for (const row of rows) t.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  return t.toString();
}

export function keyValues(pairs: [string, Cell][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${paint.dim(k.padEnd(width))}  ${v ?? ''}`).join('\n');
}

export function success(text: string): string {
  return `${paint.green('✓')} ${text}`;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printError(code: string, message: string, hint: string | undefined, json: boolean): void {
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code, message, ...(hint ? { hint } : {}) } })}\n`);
    return;
  }
  process.stderr.write(`${paintError.red('error:')} ${message}\n`);
  if (hint) process.stderr.write(`${paintError.dim('next:')}  ${hint}\n`);
}
