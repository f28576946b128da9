// Build step after tsc: bundles each command-line entry point into dist/bin/ with esbuild.
// Why: Node 20 has no module compile cache, and loading kysely's ~280 ESM files alone costs more than
// starting Node itself. One bundled file per entry (plus shared lazy chunks) keeps `botctl create`
// within 2x of `node -e 0`. Heavy or native packages stay external and are only loaded by the commands
// that need them.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from '../src/package-root.js';

const entries: Record<string, string> = {
  botctl: join(packageRoot, 'dist/src/cli/main.js'),
  botd: join(packageRoot, 'dist/src/daemon/cli.js'),
};

const outdir = join(packageRoot, 'dist/bin');
// Chunk names carry content hashes: without a clean folder every rebuild would leave the old ones behind.
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: Object.fromEntries(Object.entries(entries).filter(([, path]) => existsSync(path))),
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // pg: its native binding (pg-native) and its Cloudflare socket are optional requires esbuild cannot resolve;
  // only `botctl db copy` loads it.
  external: ['better-sqlite3', 'esbuild', 'ccxt', '@aws-sdk/*', 'typescript', 'pg'],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __botctlCreateRequire } from 'node:module'; const require = __botctlCreateRequire(import.meta.url);" },
});
