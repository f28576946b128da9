// botd's own log: one JSON object per line on stdout, which journald and log shippers read as-is.
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

export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const entry = (level: LogLevel) => (msg: string, fields: LogFields = {}) => {
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
  return { debug: entry('debug'), info: entry('info'), warn: entry('warn'), error: entry('error') };
}

/** For callers that run the runner without a log stream, such as `botctl run`. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

// Kept importable from here, beside the logger that mostly uses it; its one home is errors.ts.
export { errorText } from '../errors.js';
