// A failed run's error as people read it: its message once, with the stack frames in the bot's own code under it.
// The runner records the message in runs.error and the mapped frames at the end of the log tail (see
// src/bots/bot-stack.ts); here they are put back together, and the tail is shown without them.

export interface RunErrorView {
  /** The error with its frames under it; null when the run has no error. */
  error: string | null;
  /** The log tail without the frames moved under the error. */
  tail: string;
}

const frame = /^ {4}at \S/;

export function runErrorView(error: string | null, logTail: string | null): RunErrorView {
  const lines = (logTail ?? '').trimEnd().split('\n');
  let start = lines.length;
  while (start > 0 && frame.test(lines[start - 1] ?? '')) start--;
  if (!error || start === lines.length) return { error, tail: (logTail ?? '').trimEnd() };
  const frames = lines.slice(start);
  let rest = lines.slice(0, start);
  // Runs recorded before frames were mapped kept the whole stack, headed by the error's own message: once is enough.
  const header = rest.at(-1) ?? '';
  if (header && (error.endsWith(header.replace(/^\w*Error: /, '')) || header.endsWith(error))) rest = rest.slice(0, -1);
  return { error: [error, ...frames.map((f) => f.replace(/^ {4}/, '  '))].join('\n'), tail: rest.join('\n').trimEnd() };
}
