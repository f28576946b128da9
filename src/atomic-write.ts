// The one atomic file write: to a private temporary file beside the target, then renamed over it, so a
// concurrent reader (another run, another botd) sees the whole file or none. On any failure the temporary
// file is removed: a full disk or a refused rename leaves no `.tmp` behind.
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `contents` to `path` (mode 0600; its folder created 0700 when missing). */
export function writeFileAtomically(path: string, contents: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, contents, { mode: 0o600 });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
