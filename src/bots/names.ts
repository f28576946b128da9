import { invalid, shown } from '../errors.js';
import { hasControlChars } from '../text/control-chars.js';

const namePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

// Names end up in object-store keys and file paths, so they are restricted to a safe alphabet.
export function validateName(field: string, value: string): string {
  if (!namePattern.test(value) || /^\d+$/.test(value) || value.includes('..')) {
    throw invalid(
      `Expected \`${field}\` to be 1-64 characters of letters, digits, '_', '.' or '-', starting with a letter or digit, not all digits and without '..'; got ${shown(value)}.`,
    );
  }
  return value;
}

/** A bot's `--description`: one line, at most 500 characters (template bots and uploads alike). */
export function validateDescription(value: string): string {
  if (value.length > 500 || hasControlChars(value)) {
    throw invalid(`Expected \`--description\` to be one line of at most 500 characters, got ${shown(value)}.`);
  }
  return value;
}
