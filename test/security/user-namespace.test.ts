// The OS sandbox as an unprivileged botd gets it (the generated systemd unit runs botd as its own user): bwrap in a
// user namespace. Run here as `nobody` (when the tests run as root, as in CI), plainly and under a read-only
// /proc/sys bound over itself, as systemd's ProtectKernelTunables= leaves it: the child still sees and signals
// nothing outside its namespace, reaches no loopback listener, and holds no capability.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-root.js';
import { osSandbox } from '../../src/sandbox/os-sandbox.js';

const root = process.getuid?.() === 0;
const skip = !osSandbox().available && process.env.CI !== 'true';

// Run by an unprivileged Node: the sandbox module from the build, around a child that reports what it can do.
const script = (port: number) => `
import { spawnSync } from 'node:child_process';
const { childCommand } = await import(${JSON.stringify(join(packageRoot, 'dist/src/sandbox/child-command.js'))});
const { describeOsSandbox } = await import(${JSON.stringify(join(packageRoot, 'dist/src/sandbox/os-sandbox.js'))});
const probe = \`
  const out = { uid: process.getuid(), pid: process.pid };
  try { process.kill(${process.pid}, 0); out.test = 'visible'; } catch (e) { out.test = e.code; }
  const s = require('net').connect(${port}, '127.0.0.1');
  s.on('connect', () => { out.connect = 'CONNECTED'; console.log(JSON.stringify(out)); process.exit(0); });
  s.on('error', (e) => { out.connect = e.code; console.log(JSON.stringify(out)); });
\`;
const c = childCommand({ nodeArgs: ['-e', probe], files: [], env: {}, heapMb: 256, custom: true });
const r = spawnSync(c.command, c.args, { encoding: 'utf8', env: {} });
console.log(JSON.stringify({ sandbox: describeOsSandbox(), status: r.status, stdout: r.stdout, stderr: r.stderr }));
`;

let listener: Server;
let port = 0;
let connections = 0;
beforeAll(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});
afterAll(() => new Promise((resolve) => listener.close(resolve)));

function asUnprivileged(wrap: string[] = []): { sandbox: string; child: { uid: number; pid: number; test: string; connect: string } } {
  const drop = root ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const command = [...wrap, ...drop, process.execPath, '--input-type=module', '-e', script(port)];
  const r = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  expect(r.status, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { sandbox: string; status: number; stdout: string; stderr: string };
  expect(report.status, report.stderr).toBe(0);
  return { sandbox: report.sandbox, child: JSON.parse(report.stdout.trim()) as { uid: number; pid: number; test: string; connect: string } };
}

describe.skipIf(skip)('the OS sandbox in a user namespace (botd not root)', () => {
  it('confines the child: its own pids, no host process, no loopback listener', () => {
    const { sandbox, child } = asUnprivileged();
    expect(sandbox).toContain('in a user namespace of its own');
    expect(sandbox).not.toContain('may make user namespaces');
    expect(child).toMatchObject({ test: 'ESRCH', connect: 'ECONNREFUSED' });
    expect(child.pid).toBeLessThan(10);
    expect(connections).toBe(0);
  });

  it.skipIf(!root)('still confines it where /proc/sys is read-only (systemd ProtectKernelTunables=), without its own /proc', () => {
    const readOnlySys = ['unshare', '-m', 'sh', '-c', 'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec "$@"', 'sh'];
    const { sandbox, child } = asUnprivileged(readOnlySys);
    expect(sandbox).toContain('no /proc');
    expect(child).toMatchObject({ test: 'ESRCH', connect: 'ECONNREFUSED' });
    expect(child.pid).toBeLessThan(10);
    expect(connections).toBe(0);
  });
});
