// The launcher every bot child starts from (src/sandbox/launcher.ts): real /bin/sh, real Node, inside the real OS
// sandbox. Its limits reach the bot's process, and a step that fails stops the child before Node starts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childCommand } from '../../src/sandbox/child-command.js';
import { launcherFailed, launcherPrefix } from '../../src/sandbox/launcher.js';
import { addressSpaceLimitBytes } from '../../src/sandbox/memory-limit.js';
import { osSandbox } from '../../src/sandbox/os-sandbox.js';

const skip = process.platform !== 'linux';
const dir = mkdtempSync(join(tmpdir(), 'botctl-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// What the bot's own process is held to, as the kernel says.
const limitsProbe = `const lines = require('fs').readFileSync('/proc/self/limits', 'utf8').split('\\n');
  const pick = (name) => lines.find((l) => l.startsWith(name)).slice(26).trim().split(/\\s+/).slice(0, 2);
  console.log(JSON.stringify({ as: pick('Max address space'), core: pick('Max core file size') }));`;

const ranProbe = "console.log('node ran')";

describe.skipIf(skip)('the launcher', () => {
  it(`caps the bot process's address space and core dumps (${osSandbox().available ? 'inside the OS sandbox' : 'without the OS sandbox here'})`, () => {
    const heapMb = 192;
    // A template's child: it runs where the OS sandbox cannot be had too, and the launcher's caps hold either way.
    const command = childCommand({ nodeArgs: ['-e', limitsProbe], files: [], env: {}, heapMb, custom: false });
    try {
      const r = spawnSync(command.command, command.args, { encoding: 'utf8', env: command.env });
      expect(r.status, r.stderr).toBe(0);
      const bytes = String(addressSpaceLimitBytes(heapMb));
      expect(JSON.parse(r.stdout)).toEqual({ as: [bytes, bytes], core: ['0', '0'] });
    } finally {
      command.release();
    }
  });

  it('ends the child with its own exit status, before Node starts, when it cannot join a cgroup', () => {
    const [shell, ...launcher] = launcherPrefix({ procs: [join(dir, 'no-such-cgroup', 'cgroup.procs')], heapMb: 64 });
    const r = spawnSync(shell!, [...launcher, process.execPath, '-e', ranProbe], { encoding: 'utf8' });
    expect(r.status).toBe(launcherFailed);
    expect(r.stdout).not.toContain('node ran');
  });

  it('ends the child before Node starts when the address-space cap cannot be set (a hard limit already below it)', () => {
    const [shell, ...launcher] = launcherPrefix({ procs: [], heapMb: 64 });
    // Lowered by a shell first (soft and hard): an unprivileged process may not raise a hard limit again.
    const r = spawnSync('/bin/sh', ['-c', 'ulimit -v 500000 && exec "$@"', 'lower', shell!, ...launcher, process.execPath, '-e', ranProbe], {
      encoding: 'utf8',
      // As root, raising is allowed: drop to nobody for the test where it runs as root.
      ...(process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(r.status).toBe(launcherFailed);
    expect(r.stdout).not.toContain('node ran');
  });
});
