// A failed run's stack trace, as the bot's author needs it: the frames in the bot's own file, at the lines of the
// file they wrote, instead of positions in a cached bundle (`cache/bundles/90b1….mjs:12827`). The child reports
// the stack it saw; the parent maps each frame through the source map esbuild wrote beside the build
// (sourceMapPath), and leaves out every frame that is not the bot's: the SDK, the child runtime, zod, Node's
// internals. The stack is the bot's to write, so only the two builds of this bot are ever looked up.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { botModulePath, sourceMapPath, type BundledBot } from './bundle.js';

// `    at fn (file:line:col)` or `    at file:line:col`, optionally `async`.
const framePattern = /^\s*at (?:async )?(?:(.+?) \()?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/;
/** A trace longer than this is cut: recursion would otherwise fill the log tail with one line. */
const maxFrames = 20;

/**
 * The frames of `stack` that are in the bot's source, as `    at fn (shownAs:line:column)` lines, outermost
 * last. Empty when none are (the error came from elsewhere) or a map cannot be read.
 */
export function botFrames(stack: string, bundle: BundledBot, shownAs: string): string[] {
  const builds = new Map<string, SourceMap | null>([
    [bundle.path, null],
    [botModulePath(bundle), null],
  ]);
  const frames: string[] = [];
  for (const line of stack.split('\n')) {
    const match = framePattern.exec(line);
    if (!match) continue;
    const [, fn, where = '', lineText = '0', columnText = '0'] = match;
    const file = where.startsWith('file://') ? safePath(where) : where;
    if (!file || !builds.has(file)) continue;
    const map = builds.get(file) ?? loadMap(file);
    if (!map) continue;
    builds.set(file, map);
    const entry = map.findEntry(Number(lineText) - 1, Number(columnText) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (!entry.originalSource || resolve(dirname(file), entry.originalSource) !== resolve(bundle.sourcePath)) continue;
    const at = `${shownAs}:${(entry.originalLine ?? 0) + 1}:${(entry.originalColumn ?? 0) + 1}`;
    frames.push(fn ? `    at ${fn} (${at})` : `    at ${at}`);
    if (frames.length === maxFrames) break;
  }
  return frames;
}

function safePath(url: string): string | undefined {
  try {
    return fileURLToPath(url);
  } catch {
    return undefined;
  }
}

function loadMap(file: string): SourceMap | null {
  try {
    return new SourceMap(JSON.parse(readFileSync(sourceMapPath(file), 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    // Built before maps were written, or pruned: the frames stay unmapped and so are left out.
    return null;
  }
}
