// The one control-character check for text an operator types (names, descriptions, pairs, cron expressions,
// time zones, reasons, secrets): a newline from $(cat …) or a terminal escape sequence must never reach a
// table, a log line or an exchange request.

/** C0 controls and DEL; `allowLineBreaks` lets \n and \r through (PEM blocks in multi-line secrets). */
export function hasControlCharacters(value: string, options: { allowLineBreaks?: boolean } = {}): boolean {
  return (options.allowLineBreaks ? multiLineControl : control).test(value);
}

const control = new RegExp('[\\u0000-\\u001f\\u007f]');
const multiLineControl = new RegExp('[\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u001f\\u007f]');
