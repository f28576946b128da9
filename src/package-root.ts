import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The installed package's root, whether this code runs compiled (dist/src/…) or from source under vitest (src/…).
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('botctl: cannot find the package root');
    dir = parent;
  }
  return dir;
})();

/** Where the shared template files live. */
export const botFilesDir = join(packageRoot, 'bot_files');

/** Resolves one of our own modules (e.g. 'src/sdk/index'): the compiled .js when built, else the .ts source. */
export function ownModule(pathWithoutExtension: string): string {
  const compiled = join(packageRoot, 'dist', `${pathWithoutExtension}.js`);
  const source = join(packageRoot, `${pathWithoutExtension}.ts`);
  // Under vitest the source is authoritative; installed packages may ship only dist.
  if (process.env.VITEST && existsSync(source)) return source;
  return existsSync(compiled) ? compiled : source;
}
