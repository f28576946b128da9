// A failed run's stack trace, as the bot's author needs it: the frames in the bot's own file, at the lines of the
// file they wrote, instead of positions in a cached bundle (`cache/bundles/90b1….mjs:12827`). The child reports
// the stack it saw; the parent maps each frame through the source map esbuild wrote beside the build
// (sourceMapPath), and leaves out every frame that is not the bot's: the SDK, the child runtime, zod, Node's
// internals (but for the one Node API the bot itself called, which says what failed). The stack is the bot's to
// write, so only the two builds of this bot are ever looked up.
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
  // The Node API the bot called (`at Object.readFileSync (node:fs:441:20)`, `at new Worker (node:internal/worker…)`,
  // the frame right above one of the bot's) says what failed, so it stays; Node's frames deeper in, and Node APIs
  // reached through host code, do not.
  let nodeApi: string | undefined;
  for (const line of stack.split('\n')) {
    // A real frame is short; a line the bot made long is no frame, and is not worth a regular expression's time.
    if (line.length > 2000) continue;
    if (nodeFrame.test(line)) {
      nodeApi = `    ${line.trim()}`;
      continue;
    }
    const match = framePattern.exec(line);
    const mapped = match ? botFrame(match, builds, bundle, shownAs) : undefined;
    if (mapped) frames.push(...(nodeApi ? [nodeApi] : []), mapped);
    nodeApi = undefined;
    if (frames.length >= maxFrames) break;
  }
  return frames.slice(0, maxFrames);
}

const nodeFrame = /^\s*at (?:async )?(?:.+? \()?node:[\w/]+:\d+:\d+\)?\s*$/;

/** `    at fn (shownAs:line:column)` for a frame in one of this bot's builds that maps into its source. */
function botFrame(match: RegExpExecArray, builds: Map<string, SourceMap | null>, bundle: BundledBot, shownAs: string): string | undefined {
  const [, fn, where = '', lineText = '0', columnText = '0'] = match;
  const file = where.startsWith('file://') ? safePath(where) : where;
  if (!file || !builds.has(file)) return undefined;
  const map = builds.get(file) ?? loadMap(file);
  if (!map) return undefined;
  builds.set(file, map);
  const entry = map.findEntry(Number(lineText) - 1, Number(columnText) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
  if (!entry.originalSource || resolve(dirname(file), entry.originalSource) !== resolve(bundle.sourcePath)) return undefined;
  const at = `${shownAs}:${(entry.originalLine ?? 0) + 1}:${(entry.originalColumn ?? 0) + 1}`;
  return fn ? `    at ${fn} (${at})` : `    at ${at}`;
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
