// botd's own log: one JSON object per line on stdout, which journald and log shippers read as-is (on a terminal,
// one readable line per entry instead: pretty-log.ts).
// Fields are chosen by the caller; nothing here ever reads configs, keys or environment variables,
// so a secret can only reach the log by being passed in explicitly, and no caller does that.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogFields {
  run_id?: number | null;
  subscription_id?: number;
  status?: string;
  duration_ms?: number;
  [field: string]: unknown;
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** One log entry as both formats see it. */
export type LogEntry = { time: string; level: LogLevel; msg: string } & LogFields;

/**
 * A logger writing each entry at `level` or above through `format`. Debug lines (a pre-warm, every run) are off
 * unless asked for (`botd start --log-level debug`).
 */
export function formattedLogger(format: (entry: LogEntry) => string, write: (line: string) => void, level: LogLevel = 'info'): Logger {
  const min = logLevels.indexOf(level);
  const entry = (at: LogLevel) => (msg: string, fields: LogFields = {}) => {
    if (logLevels.indexOf(at) < min) return;
    write(`${format({ time: new Date().toISOString(), level: at, msg, ...fields })}\n`);
  };
  return { debug: entry('debug'), info: entry('info'), warn: entry('warn'), error: entry('error') };
}

export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(line), level: LogLevel = 'info'): Logger {
  return formattedLogger((entry) => JSON.stringify(entry), write, level);
}

/** For callers that run the runner without a log stream, such as `botctl run`. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

// Kept importable from here, beside the logger that mostly uses it; its one home is errors.ts.
export { errorText } from '../errors.js';
