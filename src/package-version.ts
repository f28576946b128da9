import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

/** The installed package's version, from its package.json (read only when asked: `--version`). */
export function packageVersion(): { version: string } {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version?: string };
  return { version: pkg.version ?? 'unknown' };
}
