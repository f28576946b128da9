import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Message, Plugin } from 'esbuild';
import { invalid } from '../errors.js';
import { writeFileAtomically } from '../atomic-write.js';
import { ownModule, packageRoot } from '../package-root.js';
import { markUsed } from './bundle-cache.js';
import { sha256 } from './digest.js';
import { daemonEvents } from '../events/daemon-events.js';

/** What a bot file may import: the SDK, zod and the indicator library the SDK names. */
export const allowedImports = ['botctl/sdk', 'zod', 'zod/v4', 'zod/mini', 'trading-signals'];

export interface BundledBot {
  /** The self-contained ES module a child imports, and nothing else. */
  path: string;
  /** sha256 of the bot's source file: what every run records as the code it ran. */
  sourceSha256: string;
  /** The source it was built from, for bundleBotModule(). */
  sourcePath: string;
  /** A module of ours built in beside the runtime, whose `localExchange` runChild receives (a backtest's engine). */
  engine?: string;
}

export interface BundleOptions {
  /** See BundledBot.engine: a module path (ownModule()), never a bot's. */
  engine?: string | undefined;
}

// Bundles are keyed by the source's sha256 and by the runtime they embed, so a changed template file or an
// upgraded botd each get a fresh bundle, and an unchanged file costs one hash and one stat.
export async function bundleBot(sourcePath: string, cacheDir: string, { engine }: BundleOptions = {}): Promise<BundledBot> {
  const source = readFileSync(sourcePath);
  const sourceSha256 = sha256(source);
  const path = join(cacheDir, `${sha256(`${sourceSha256}:${buildIdentity(engine)}:${executableFormat}`)}.mjs`);
  const bundled = { path, sourceSha256, sourcePath, ...(engine ? { engine } : {}) };
  const hit = existsSync(path);
  if (hit) {
    markUsed(path);
    markUsed(sourceMapPath(path));
  } else await buildOnce(path, () => buildExecutable(bundled));
  daemonEvents.emit({ type: 'bundle-cache', hit });
  return bundled;
}

/** Builds under way, by the file they write: the runs of many bots sharing one template wait for one build. */
const building = new Map<string, Promise<void>>();

/** A build's code, and its source map when one was asked for (see sourceMapPath). */
interface Built {
  code: Uint8Array;
  map?: Uint8Array;
}

function buildOnce(path: string, make: () => Promise<Built>): Promise<void> {
  let build = building.get(path);
  if (!build) {
    build = make()
      .then(({ code, map }) => {
        // The map first: a reader that finds the code finds its map.
        if (map) writeFileAtomically(sourceMapPath(path), map);
        writeFileAtomically(path, code);
      })
      .finally(() => building.delete(path));
    building.set(path, build);
  }
  return build;
}

/** The bot alone (no runtime), as stored beside an uploaded source: proves it bundles under the allow-list. */
export async function buildBotOnly(sourcePath: string, displayName = sourcePath): Promise<Uint8Array> {
  return (await build(sourcePath, displayName, { entryPoints: [sourcePath] })).code;
}

/**
 * Where a cached build's source map is: beside it. Only botd and botctl read it, to show a failed run's stack in the
 * bot's own file and lines (src/bots/bot-stack.ts); the child never loads it, so it costs a run nothing.
 */
export function sourceMapPath(buildPath: string): string {
  return `${buildPath}.map`;
}

async function buildExecutable(bundle: BundledBot): Promise<Built> {
  const { sourcePath, path } = bundle;
  return build(sourcePath, sourcePath, { stdin: { contents: executableStub(bundle), resolveDir: packageRoot, loader: 'js' } }, [englishZodMessages], 'esm', { sourceMapFor: path });
}

function executableStub({ sourcePath, engine }: BundledBot, runtime = ownModule('src/runtime/index')): string {
  return [
    `import bot from ${JSON.stringify(sourcePath)};`,
    `import { runChild } from ${JSON.stringify(runtime)};`,
    ...(engine ? [`import { localExchange } from ${JSON.stringify(engine)};`] : []),
    `export default bot;`,
    // Only a child started by the runner executes the bot; the CLI imports the same bundle to read its schema.
    `if (process.argv.some((arg) => arg.startsWith('--botctl-'))) runChild(bot${engine ? ', localExchange' : ''});`,
  ].join('\n');
}

// A child started from the runtime snapshot (src/daemon/child-start.ts) finds zod and the child runtime already
// evaluated there, and loads only its bot module: the stub, the bot and what it uses of the SDK and trading-signals,
// as CommonJS (a snapshot's main function has no ES module loader), requiring the shared modules by these names.
// zod is shared because it is large and a bot's one `z` reaches all of it; the runtime because every child runs it
// (warmed up, see src/runtime/warm-up.ts); the SDK's errors because the runtime throws them into the bot, which
// tests them with instanceof. Of the rest, esbuild keeps only what a bot uses, and evaluating that costs less than
// every child deserializing all of it (measured: without trading-signals and the SDK the snapshot is 0.4 MB smaller
// and starts ~2.5 ms sooner).
const sharedRuntime = 'botctl-runtime';
const sharedErrors = 'botctl-sdk:errors';

function sharedModules(): Record<string, string> {
  return { zod: 'zod', 'zod/v4': 'zod/v4', [sharedRuntime]: ownModule('src/runtime/index'), [sharedErrors]: ownModule('src/sdk/errors') };
}

/** Part of the bot module's cache key: bump when its build options change. */
const botModuleFormat = 4;

/** Where bundleBotModule() caches a bot's module: next to its bundle, keyed like it. */
export function botModulePath(bundle: BundledBot): string {
  return join(dirname(bundle.path), `${sha256(`${bundle.sourceSha256}:${buildIdentity(bundle.engine)}:module:${botModuleFormat}`)}.cjs`);
}

/**
 * Builds and caches the bot module of a bundled bot, returning its path. Throws for a bot that this form cannot
 * carry as written, which then always starts from its bundle: top-level await or import.meta (CommonJS has
 * neither), or an import the snapshot does not hold (zod/mini).
 */
export async function bundleBotModule(bundle: BundledBot): Promise<string> {
  const path = botModulePath(bundle);
  if (existsSync(path)) {
    markUsed(path);
    markUsed(sourceMapPath(path));
    return path;
  }
  const { sourcePath } = bundle;
  const stub = executableStub(bundle, sharedRuntime);
  await buildOnce(path, () => build(sourcePath, sourcePath, { stdin: { contents: stub, resolveDir: packageRoot, loader: 'js' } }, [sharedFromSnapshot()], 'cjs', { sourceMapFor: path }));
  return path;
}

/**
 * The snapshot's entry script (CommonJS, as `node --build-snapshot` takes): the shared modules, installSnapshotMain,
 * and the runtime's warm-up, which the builder runs to completion before it takes the snapshot.
 */
export async function buildSnapshotEntry(): Promise<Uint8Array> {
  const shared = Object.entries(sharedModules());
  const imports = shared.map(([, from], i) => `import * as m${i} from ${JSON.stringify(from)};`);
  const table = shared.map(([id], i) => `${JSON.stringify(id)}: m${i}`);
  const stub = [
    `import { installSnapshotMain } from ${JSON.stringify(ownModule('src/runtime/snapshot-main'))};`,
    `import { warmUpRuntime } from ${JSON.stringify(ownModule('src/runtime/warm-up'))};`,
    ...imports,
    `installSnapshotMain({ ${table.join(', ')} });`,
    `warmUpRuntime();`,
  ].join('\n');
  // Whitespace-minified: the snapshot keeps the sources of every function it holds, and each child deserializes them
  // (~2 ms less start-up CPU, measured). Names stay, for stack traces.
  return (await build(undefined, 'the runtime snapshot', { stdin: { contents: stub, resolveDir: packageRoot, loader: 'js' } }, [englishZodMessages], 'cjs', { minifyWhitespace: true })).code;
}

function sharedFromSnapshot(): Plugin {
  return {
    name: 'botctl-shared-from-snapshot',
    setup(build) {
      const shared = sharedModules();
      build.onResolve({ filter: /^zod(\/|$)/ }, (args) => {
        if (args.path in shared) return { path: args.path, external: true };
        return { errors: [{ text: `imports ${JSON.stringify(args.path)}, which the runtime snapshot does not hold` }] };
      });
      build.onResolve({ filter: new RegExp(`^${sharedRuntime}$`) }, (args) => ({ path: args.path, external: true }));
      // The SDK's own imports of its errors ('./errors.js', '../errors.js'), however the bot reaches them.
      const errors = withoutExtension(shared[sharedErrors] ?? '');
      build.onResolve({ filter: /^\.\.?\/(.*\/)?errors(\.js|\.ts)?$/ }, (args) =>
        withoutExtension(resolve(args.resolveDir, args.path)) === errors ? { path: sharedErrors, external: true } : undefined,
      );
    },
  };
}

function withoutExtension(path: string): string {
  return path.replace(/\.(js|ts)$/, '');
}

/** Part of the bundle cache key: bump when the executable's build options change. */
const executableFormat = 3;

// zod 4 exports every locale's error messages as `z.locales` (360 KB of its 750 KB). Bots run headless and
// botd reports config errors in English, so an executable bundle keeps only `en`: half the bundle, ~10 ms
// less start-up CPU and ~4 MB less memory per run (measured). A bot calling z.locales.de() gets undefined.
const englishZodMessages: Plugin = {
  name: 'botctl-zod-english',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)
        ? { path: join(args.resolveDir, '..', 'locales', 'en.js'), namespace: 'botctl-zod-english' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'botctl-zod-english' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

async function build(
  botPath: string | undefined,
  displayName: string,
  entry: { entryPoints: string[] } | { stdin: { contents: string; resolveDir: string; loader: 'js' } },
  plugins: Plugin[] = [],
  format: 'esm' | 'cjs' = 'esm',
  { sourceMapFor, ...extra }: { minifyWhitespace?: boolean; sourceMapFor?: string } = {},
): Promise<Built> {
  // esbuild is loaded only by the commands that bundle, keeping it out of every other command's start-up.
  const esbuild = await import('esbuild');
  try {
    const result = await esbuild.build({
      ...entry,
      bundle: true,
      write: false,
      format,
      platform: 'node',
      target: 'node20',
      legalComments: 'none',
      logLevel: 'silent',
      alias: { 'botctl/sdk': ownModule('src/sdk/index') },
      nodePaths: [join(packageRoot, 'node_modules')],
      plugins: [...(botPath === undefined ? [] : [allowList(botPath)]), ...plugins],
      // An external map without the sources' text: positions only (the sources are on this host already).
      ...(sourceMapFor ? { sourcemap: 'external' as const, sourcesContent: false, outfile: sourceMapFor } : {}),
      ...extra,
    });
    // CommonJS has no import.meta: esbuild leaves it empty and warns, and the bot would silently differ.
    const esmOnly = result.warnings.find((warning) => warning.id === 'empty-import-meta');
    if (format === 'cjs' && esmOnly) throw invalid(`${displayName} cannot be built as CommonJS:\n${formatMessage(esmOnly, displayName)}`);
    const output = result.outputFiles.find((file) => !file.path.endsWith('.map'));
    if (!output) throw new Error('esbuild produced no output');
    const map = result.outputFiles.find((file) => file.path.endsWith('.map'));
    return { code: output.contents, ...(map ? { map: map.contents } : {}) };
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (!errors?.length) throw error;
    throw invalid(`${displayName} does not bundle:\n${errors.map((e) => formatMessage(e, displayName)).join('\n')}`);
  }
}

function allowList(botPath: string): Plugin {
  return {
    name: 'botctl-allow-list',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.importer !== botPath) return undefined;
        if (allowedImports.includes(args.path)) return undefined;
        return {
          errors: [
            {
              text: `imports ${JSON.stringify(args.path)}, which a bot may not import; allowed: ${allowedImports.join(', ')}`,
            },
          ],
        };
      });
    },
  };
}

function formatMessage(message: Message, displayName: string): string {
  const where = message.location
    ? `${displayName}:${message.location.line}:${message.location.column + 1}: `
    : `${displayName}: `;
  return `  ${where}${message.text}`;
}

const identities = new Map<string, string>();

// Changes whenever the embedded runtime (with the candle view it carries, src/market-data) or SDK changes, so stale
// bundles are never reused.
export function runtimeIdentity(): string {
  return sourceIdentity(['src/runtime/index', 'src/sdk/index', 'src/market-data/index']);
}

// A bundle with an engine built in also carries what the engine imports: the broker's session and paper venue, the
// risk config, the backtest's book, and the shared files at src/ (errors, names).
function buildIdentity(engine: string | undefined): string {
  if (!engine) return runtimeIdentity();
  return `${runtimeIdentity()}:${engine}:${sourceIdentity(['src/broker/broker-session', 'src/backtest/paper-book', 'src/subscriptions/risk-config', 'src/errors'], false)}`;
}

/** A hash of package.json and every source file in the folders of `modules` (one module of each folder). */
function sourceIdentity(modules: string[], recursive = true): string {
  const key = `${modules.join(',')}:${recursive}`;
  let identity = identities.get(key);
  if (identity === undefined) {
    const pkg = readFileSync(join(packageRoot, 'package.json'));
    const parts = modules.flatMap((module) => {
      const dir = dirname(ownModule(module));
      // Recursive: the SDK has subfolders (src/sdk/strategy/) whose changes must also retire old bundles.
      return (readdirSync(dir, { recursive }) as string[])
        .filter((file) => /\.(js|ts)$/.test(file) && !file.endsWith('.d.ts'))
        .sort()
        .map((file) => readFileSync(join(dir, file)));
    });
    identity = sha256(Buffer.concat([pkg, ...parts]));
    identities.set(key, identity);
  }
  return identity;
}
