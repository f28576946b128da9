import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorText, invalid, shown } from '../errors.js';

/** A config or risk document larger than this is refused before it is parsed, let alone stored. */
export const maxJsonOptionBytes = 64 * 1024;

// Reads `--config JSON|@FILE`: inline JSON, or @ and a path (relative to the working directory).
// The file is read through a capped buffer, so a 10 MB file costs at most 64 KiB of reading.
export function readJsonOption(flag: string, raw: string | undefined, cwd = process.cwd()): unknown {
  if (raw === undefined) return undefined;
  let text: string;
  let source = '';
  if (raw.startsWith('@')) {
    const path = resolve(cwd, raw.slice(1));
    source = ` (file ${raw.slice(1)})`;
    text = readCapped(flag, path, raw.slice(1));
  } else {
    if (Buffer.byteLength(raw) > maxJsonOptionBytes) throw tooLarge(flag, `${Buffer.byteLength(raw)} bytes`);
    text = raw;
  }
  text = text.replace(/^\uFEFF/, '');
  if (!text.trim()) throw invalid(`Expected \`${flag}\` to be JSON or @FILE, got an empty value${source}.`);
  const depth = nestingDepth(text);
  if (depth > maxJsonDepth) {
    throw invalid(`Expected \`${flag}\` to be JSON nested at most ${maxJsonDepth} levels deep${source}, got ${depth} levels.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // `--config config.json`: a file name where JSON was expected. Say how to pass the file.
    const looksLikeFile = !raw.startsWith('@') && /^[\w./~-]+\.json$/i.test(raw.trim());
    throw invalid(
      `Expected \`${flag}\` to be JSON or @FILE${source}: ${errorText(error)}` +
        (looksLikeFile ? `. To read the file, write \`${flag} @${raw.trim()}\`.` : ''),
    );
  }
}

/**
 * Deeper documents are refused before parsing: JSON.parse copes, but every recursive walk after it (schema
 * validation, JSON.stringify, the risk checks) would overflow the stack ("Maximum call stack size
 * exceeded", exit 1) at some thousands of levels. No config needs more than a handful.
 */
export const maxJsonDepth = 64;

// The deepest [ / { nesting outside strings; a scan, so it cannot overflow whatever the input.
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

function readCapped(flag: string, path: string, shownPath: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw invalid(`Cannot read the \`${flag}\` file ${shown(shownPath)}: ${code === 'ENOENT' ? 'no such file' : code}.`);
  }
  try {
    // One byte past the cap tells "exactly 64 KiB" from "more".
    const buffer = Buffer.alloc(maxJsonOptionBytes + 1);
    let length = 0;
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, buffer, length, buffer.length - length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        throw invalid(`Cannot read the \`${flag}\` file ${shown(shownPath)}: ${code === 'EISDIR' ? 'it is a directory' : code}.`);
      }
      if (read === 0) break;
      length += read;
      if (length > maxJsonOptionBytes) throw tooLarge(flag, `more than that in ${shown(shownPath)}`);
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function tooLarge(flag: string, got: string) {
  return invalid(`Expected \`${flag}\` to be at most 64 KiB of JSON, got ${got}.`);
}
