// Domain errors. Library code throws these; only the CLI entry point turns them into exit codes.

export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'runtime_failure'
  | 'store_failure'
  | 'exchange_failure';

export class BotctlError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: 1 | 2;
  /** The next command the operator could run, when one helps. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BotctlError';
    this.code = code;
    this.exitCode = code === 'invalid_input' || code === 'not_found' || code === 'conflict' ? 2 : 1;
    this.hint = options.hint;
  }
}

/** Bad input from the operator: exit code 2, nothing written. */
export function invalid(message: string, hint?: string): BotctlError {
  return new BotctlError('invalid_input', message, hint === undefined ? {} : { hint });
}

export function notFound(message: string, hint?: string): BotctlError {
  return new BotctlError('not_found', message, hint === undefined ? {} : { hint });
}

export function conflict(message: string, hint?: string): BotctlError {
  return new BotctlError('conflict', message, hint === undefined ? {} : { hint });
}

/** Renders a value for an error message: short, single-line, control characters escaped. */
export function shown(value: unknown, max = 60): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value === undefined) text = 'nothing';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

/** The message of anything thrown: an Error's message, else the value as text. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
