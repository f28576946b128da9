// A real small filesystem (tmpfs) for disk-full tests. Mounting needs root (CAP_SYS_ADMIN): elsewhere the
// tests skip with the reason, except in CI, where they must run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallFilesystem {
  dir: string;
  /** Writes a file until the filesystem has no space left. */
  fill(): void;
  /** Removes the filler: space is back. */
  free(): void;
  unmount(): void;
}

/** Why tmpfs cannot be mounted here, or undefined when it can. */
export function cannotMount(): string | undefined {
  const probe = mkdtempSync(join(tmpdir(), 'botctl-mount-probe-'));
  try {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { encoding: 'utf8' });
    if (mounted.status !== 0) return `cannot mount a tmpfs (needs root): ${(mounted.stderr || mounted.error?.message || '').trim()}`;
    spawnSync('umount', [probe]);
    return undefined;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

export function mountSmallFilesystem(sizeMb: number): SmallFilesystem {
  const dir = mkdtempSync(join(tmpdir(), 'botctl-small-fs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir]);
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      // dd stops with an error at ENOSPC: that is the point.
      spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4096'], { stdio: 'ignore' });
    },
    free: () => rmSync(filler, { force: true }),
    unmount() {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
