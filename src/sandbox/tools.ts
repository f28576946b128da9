// Where the OS sandbox's tools are: bubblewrap (Debian `bubblewrap`) and util-linux's `setpriv`.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

/**
 * Overrides where bwrap is looked for. Meant for tests of the degraded path (point it at a missing file) and for
 * hosts that keep bwrap outside PATH; botd never reads any other setting of the sandbox from the environment.
 */
export const bwrapPathVariable = 'BOTCTL_SANDBOX_BWRAP';

/** The bwrap to use, or undefined when there is none (or the override names a missing file). */
export function findBwrap(): string | undefined {
  const override = process.env[bwrapPathVariable];
  if (override !== undefined && override !== '') return executable(override) ? override : undefined;
  return findTool('bwrap');
}

export function findTool(name: string): string | undefined {
  // botd under systemd has a minimal PATH: look in the usual places as well.
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir.startsWith('/')) continue;
    const path = join(dir, name);
    if (executable(path)) return path;
  }
  return undefined;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
