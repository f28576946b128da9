// A real pseudo-terminal for tests, from util-linux `script`: the command runs on a pty of a given width, as it
// would in a person's terminal. Where `script` is missing, suites skip with that reason (and CI installs it).
import { execa } from 'execa';

export const hasScript = await execa('script', ['--version'], { reject: false }).then((r) => r.exitCode === 0, () => false);
if (!hasScript && process.env.CI === 'true') throw new Error('util-linux `script` is required in CI: the terminal tests must run there.');
if (!hasScript) process.stderr.write('[terminal] skipping pseudo-terminal tests: util-linux `script` is not installed\n');

const quote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`;

/** Runs `argv` on a pty `columns` wide; returns what the terminal received, with \r\n as \n. */
export async function onTerminal(argv: string[], options: { env?: Record<string, string | undefined>; columns?: number; timeoutMs?: number } = {}): Promise<{ exitCode: number; output: string }> {
  const command = `stty cols ${options.columns ?? 80} rows 50; exec ${argv.map(quote).join(' ')}`;
  // NO_COLOR and FORCE_COLOR only as the test sets them: the test runner's own must not leak in.
  const { NO_COLOR: _n, FORCE_COLOR: _f, COLUMNS: _c, ...inherited } = process.env;
  const env = Object.fromEntries(Object.entries({ ...inherited, ...options.env }).filter((e): e is [string, string] => e[1] !== undefined));
  const r = await execa('script', ['-q', '-e', '-c', command, '/dev/null'], { env, extendEnv: false, reject: false, timeout: options.timeoutMs ?? 120_000 });
  if (r.timedOut) throw new Error(`${argv.join(' ')} on a terminal took longer than ${options.timeoutMs ?? 120_000} ms:\n${r.stdout}`);
  return { exitCode: r.exitCode ?? -1, output: r.stdout.replace(/\r\n/g, '\n') };
}

/** Text without SGR colour codes (what a person sees). */
export function plain(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
