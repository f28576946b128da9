import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Message, Plugin } from 'esbuild';
import { invalid } from '../errors.js';
import { ownModule, packageRoot } from '../package-root.js';
import { sha256 } from './digest.js';

/** What a bot file may import: the SDK, zod and the indicator library the SDK names. */
export const allowedImports = ['botctl/sdk', 'zod', 'zod/v4', 'zod/mini', 'trading-signals'];

export interface BundledBot {
  /** The self-contained ES module a child imports, and nothing else. */
  path: string;
  /** sha256 of the bot's source file: what every run records as the code it ran. */
  sourceSha256: string;
  /** The source it was built from, for bundleBotModule(). */
  sourcePath: string;
}

// Bundles are keyed by the source's sha256 and by the runtime they embed, so a changed template file or an
// upgraded botd each get a fresh bundle, and an unchanged file costs one hash and one stat.
export async function bundleBot(sourcePath: string, cacheDir: string): Promise<BundledBot> {
  const source = readFileSync(sourcePath);
  const sourceSha256 = sha256(source);
  const path = join(cacheDir, `${sha256(`${sourceSha256}:${runtimeIdentity()}:${executableFormat}`)}.mjs`);
  if (!existsSync(path)) {
    writeAtomically(path, await buildExecutable(sourcePath));
  }
  return { path, sourceSha256, sourcePath };
}

/** The bot alone (no runtime), as stored beside an uploaded source: proves it bundles under the allow-list. */
export async function buildBotOnly(sourcePath: string, displayName = sourcePath): Promise<Uint8Array> {
  return build(sourcePath, displayName, { entryPoints: [sourcePath] });
}

async function buildExecutable(sourcePath: string): Promise<Uint8Array> {
  return build(sourcePath, sourcePath, { stdin: { contents: executableStub(sourcePath), resolveDir: packageRoot, loader: 'js' } }, [englishZodMessages]);
}

function executableStub(sourcePath: string): string {
  const runtime = ownModule('src/runtime/index');
  return [
    `import bot from ${JSON.stringify(sourcePath)};`,
    `import { runChild } from ${JSON.stringify(runtime)};`,
    `export default bot;`,
    // Only a child started by the runner executes the bot; the CLI imports the same bundle to read its schema.
    `if (process.argv.some((arg) => arg.startsWith('--botctl-'))) runChild(bot);`,
  ].join('\n');
}

// A child started from the runtime snapshot (src/daemon/child-start.ts) finds zod, trading-signals and the SDK
// already evaluated there, and loads only its bot module: the bundle's stub, bot and child runtime, as CommonJS
// (a snapshot's main function has no ES module loader), requiring the shared modules by these names.
const sharedPackages = ['zod', 'zod/v4', 'trading-signals'];
const sdkModulePrefix = 'botctl-sdk:';

/** Part of the bot module's cache key: bump when its build options change. */
const botModuleFormat = 1;

/** Where bundleBotModule() caches a bot's module: next to its bundle, keyed like it. */
export function botModulePath(bundle: BundledBot): string {
  return join(dirname(bundle.path), `${sha256(`${bundle.sourceSha256}:${runtimeIdentity()}:module:${botModuleFormat}`)}.cjs`);
}

/**
 * Builds and caches the bot module of a bundled bot, returning its path. Throws for a bot that this form cannot
 * carry as written, which then always starts from its bundle: top-level await or import.meta (CommonJS has
 * neither), or an import the snapshot does not hold (zod/mini).
 */
export async function bundleBotModule(bundle: BundledBot): Promise<string> {
  const path = botModulePath(bundle);
  if (existsSync(path)) return path;
  const { sourcePath } = bundle;
  const code = await build(sourcePath, sourcePath, { stdin: { contents: executableStub(sourcePath), resolveDir: packageRoot, loader: 'js' } }, [sharedFromSnapshot()], 'cjs');
  writeAtomically(path, code);
  return path;
}

/** The snapshot's entry script (CommonJS, as `node --build-snapshot` takes): the shared modules and installSnapshotMain. */
export async function buildSnapshotEntry(): Promise<Uint8Array> {
  const names = new Map<string, string>(sharedPackages.map((name) => [name, name]));
  for (const key of sdkModuleKeys()) names.set(`${sdkModulePrefix}${key}`, join(sdkDir(), key));
  const imports = [...names.values()].map((from, i) => `import * as m${i} from ${JSON.stringify(from)};`);
  const table = [...names.keys()].map((id, i) => `${JSON.stringify(id)}: m${i}`);
  const stub = [
    `import { installSnapshotMain } from ${JSON.stringify(ownModule('src/runtime/snapshot-main'))};`,
    ...imports,
    `installSnapshotMain({ ${table.join(', ')} });`,
  ].join('\n');
  // Whitespace-minified: the snapshot keeps the sources of every function it holds, and each child deserializes them
  // (~2 ms less start-up CPU, measured). Names stay, for stack traces.
  return build(undefined, 'the runtime snapshot', { stdin: { contents: stub, resolveDir: packageRoot, loader: 'js' } }, [englishZodMessages], 'cjs', { minifyWhitespace: true });
}

function sdkDir(): string {
  return dirname(ownModule('src/sdk/index'));
}

// Every SDK module by its path under src/sdk without extension ('index', 'strategy/trend'): the runtime imports
// some directly ('../sdk/errors.js'), and must get the very instances the bot's `botctl/sdk` has (its error classes).
function sdkModuleKeys(): string[] {
  return (readdirSync(sdkDir(), { recursive: true }) as string[])
    .filter((file) => /\.(js|ts)$/.test(file) && !file.endsWith('.d.ts'))
    .map((file) => file.replace(/\.(js|ts)$/, '').split('\\').join('/'))
    .sort();
}

function sharedFromSnapshot(): Plugin {
  return {
    name: 'botctl-shared-from-snapshot',
    setup(build) {
      const sdk = sdkDir();
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (sharedPackages.includes(args.path)) return { path: args.path, external: true };
        if (args.path === 'botctl/sdk') return { path: `${sdkModulePrefix}index`, external: true };
        if (/^(zod|trading-signals)(\/|$)/.test(args.path)) {
          return { errors: [{ text: `imports ${JSON.stringify(args.path)}, which the runtime snapshot does not hold` }] };
        }
        const absolute = isAbsolute(args.path) ? args.path : args.path.startsWith('.') ? resolve(args.resolveDir, args.path) : undefined;
        const inSdk = absolute === undefined ? undefined : relative(sdk, absolute);
        if (inSdk === undefined || inSdk.startsWith('..') || isAbsolute(inSdk)) return undefined;
        return { path: `${sdkModulePrefix}${inSdk.replace(/\.(js|ts)$/, '').split('\\').join('/')}`, external: true };
      });
    },
  };
}

function writeAtomically(path: string, contents: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Write then rename: a concurrent reader sees the whole file or none.
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, contents, { mode: 0o600 });
  renameSync(temporary, path);
}

/** Part of the bundle cache key: bump when the executable's build options change. */
const executableFormat = 2;

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
  extra: { minifyWhitespace?: boolean } = {},
): Promise<Uint8Array> {
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
      ...extra,
    });
    // CommonJS has no import.meta: esbuild leaves it empty and warns, and the bot would silently differ.
    const esmOnly = result.warnings.find((warning) => warning.id === 'empty-import-meta');
    if (format === 'cjs' && esmOnly) throw invalid(`${displayName} cannot be built as CommonJS:\n${formatMessage(esmOnly, displayName)}`);
    const output = result.outputFiles[0];
    if (!output) throw new Error('esbuild produced no output');
    return output.contents;
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

let identity: string | undefined;

// Changes whenever the embedded runtime or SDK changes, so stale bundles are never reused.
export function runtimeIdentity(): string {
  if (identity === undefined) {
    const pkg = readFileSync(join(packageRoot, 'package.json'));
    const parts = ['src/runtime', 'src/sdk'].flatMap((folder) => {
      const dir = dirname(ownModule(`${folder}/index`));
      // Recursive: the SDK has subfolders (src/sdk/strategy/) whose changes must also retire old bundles.
      return (readdirSync(dir, { recursive: true }) as string[])
        .filter((file) => /\.(js|ts)$/.test(file) && !file.endsWith('.d.ts'))
        .sort()
        .map((file) => readFileSync(join(dir, file)));
    });
    identity = sha256(Buffer.concat([pkg, ...parts]));
  }
  return identity;
}
