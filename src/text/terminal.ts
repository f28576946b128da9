// What botctl and botd know about the terminal they write to: whether to colour, and how wide it is.
// One decision for both programs, so NO_COLOR and FORCE_COLOR mean the same everywhere.

/** Columns assumed for a terminal that does not report its width. */
export const defaultColumns = 80;

/**
 * Chalk's colour level for `stream`: 0 (none) or 1 (16 colours, all botctl uses).
 * NO_COLOR (non-empty, per no-color.org) always wins; FORCE_COLOR=0/false turns colour off, any other FORCE_COLOR
 * turns it on even into a pipe (CI logs that render colour); otherwise colour only on a TTY.
 */
export function colourLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): 0 | 1 {
  if (env.NO_COLOR) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force === '0' || force.toLowerCase() === 'false' ? 0 : 1;
  return stream.isTTY ? 1 : 0;
}

/**
 * Columns to fit human output into: the terminal's width on a TTY (80 if it reports none); otherwise $COLUMNS when
 * set, else no limit. Through a pipe nothing is wrapped or cut, one row per line, so grep and awk see whole rows
 * (scripts should still read --json); `COLUMNS=80 botctl runs | less` lays out as an 80-column terminal would.
 */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv = process.env): number {
  if (stream.isTTY) return stream.columns && stream.columns > 0 ? stream.columns : defaultColumns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns >= 20 ? columns : Number.POSITIVE_INFINITY;
}
