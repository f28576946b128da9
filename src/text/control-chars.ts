// Control characters: the one definition that input checks (names, pairs, cron, secrets) refuse and that output
// (botctl's tables, logs and errors, botd's terminal lines) shows visibly. Bot code is hostile: whatever it logs,
// throws, signals or names reaches a terminal only through visible(), so an escape sequence (an OSC 52 clipboard
// write, a cursor move, a title change) is printed as text and never interpreted.
//
// What counts: C0 (U+0000–U+001F), DEL and C1 (U+0080–U+009F; U+009B alone is a CSI on many terminals), and the
// bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reorder what a line appears to say.

const control = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const controlGlobal = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same, except newline and tab, which a multi-line text may keep. */
const controlInText = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Whether `value` holds a control character. With `allowNewlines`, \n and \r are allowed (PEM blocks). */
export function hasControlChars(value: string, options: { allowNewlines?: boolean } = {}): boolean {
  if (!options.allowNewlines) return control.test(value);
  return /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(value);
}

/**
 * `value` with every control character written out as its escape (`\u001b`), so that printing it shows what the
 * bytes were and does nothing else. `multiline` keeps newlines and tabs (a log tail); otherwise they are escaped
 * too (a table cell, a one-line field). A lone \r is escaped either way: it would let a line overwrite itself.
 */
export function visible(value: string, options: { multiline?: boolean } = {}): string {
  const pattern = options.multiline ? controlInText : controlGlobal;
  const text = options.multiline ? value.replace(/\r\n/g, '\n') : value;
  return text.replace(pattern, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JSON text with the control characters JSON.stringify leaves as they are (DEL, C1, bidi controls) written as
 * \u escapes too: still the same JSON value, and nothing in it a terminal would act on. They can only occur inside
 * strings, where an escape means the same character.
 */
export function visibleJson(json: string): string {
  return json.replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
