// The sd_notify protocol for real: a unix datagram socket this test listens on (created by systemd's own
// systemd-socket-activate, since Node cannot open one; a tiny reader gets it as fd 3), NOTIFY_SOCKET and
// WATCHDOG_USEC as systemd sets them, and the real bin/botd.js sending READY, STATUS, WATCHDOG and STOPPING.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHealth } from '../../src/metrics/health.js';
import { systemdNotifier, type SystemdNotifier } from '../../src/metrics/systemd-notify.js';
import { startWatchdog } from '../../src/metrics/watchdog.js';
import { startBotd, useBotdHomes } from '../daemon/botd.js';
import { until } from '../daemon/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'botd-notify-'));
const listeners: ResultPromise[] = [];
afterAll(() => {
  for (const listener of listeners) listener.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
const freshHome = useBotdHomes();

const tools = await Promise.all(['systemd-notify', 'systemd-socket-activate'].map(async (tool) => (await execa(tool, ['--version'], { reject: false })).exitCode === 0));
const missing = !tools.every(Boolean);
const inCi = process.env.CI === 'true';

// Reads fd 3 (the datagram socket) one datagram per read(2) and prints each as a JSON line. SCM_RIGHTS fds that
// systemd-notify attaches (its BARRIER=1 handshake) are closed by the kernel, which is what the sender waits for.
const reader = `
const fs = require('node:fs');
const buf = Buffer.alloc(65536);
const loop = () => {
  for (;;) {
    let n;
    try { n = fs.readSync(3, buf, 0, buf.length, null); }
    catch (e) { if (e.code === 'EAGAIN') return setTimeout(loop, 5); throw e; }
    process.stdout.write(JSON.stringify(buf.subarray(0, n).toString('utf8')) + '\\n');
  }
};
loop();
`;

function listen(path: string): { messages: string[] } {
  const script = join(dir, 'reader.cjs');
  writeFileSync(script, reader);
  const listener = execa('systemd-socket-activate', ['--datagram', '-l', path, process.execPath, script], { reject: false, buffer: false, stdin: 'ignore' });
  listeners.push(listener);
  const messages: string[] = [];
  createInterface({ input: listener.stdout }).on('line', (line) => messages.push(JSON.parse(line) as string));
  return { messages };
}

describe.skipIf(missing && !inCi)('botd under a Type=notify unit', () => {
  it('sends READY=1 with STATUS once started, WATCHDOG=1 every WatchdogSec/2 while healthy, STOPPING=1 on SIGTERM', async () => {
    const socket = join(dir, 'notify.sock');
    const { messages } = listen(socket);
    await until('the socket to exist', async () => (await execa('test', ['-S', socket], { reject: false })).exitCode === 0 || undefined, 10_000);
    // WatchdogSec=1 → a ping every 500 ms.
    const botd = startBotd(freshHome(), [], { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '1000000' });
    await botd.waitFor('start-up', (l) => l.msg === 'botd started');
    await until('READY=1', () => messages.find((m) => m.startsWith('READY=1')), 20_000);
    await until('two watchdog pings', () => messages.filter((m) => m.startsWith('WATCHDOG=1')).length >= 2 || undefined, 20_000);
    botd.kill('SIGTERM');
    expect((await botd.exit).exitCode).toBe(0);
    await until('STOPPING=1', () => messages.find((m) => m.startsWith('STOPPING=1')), 10_000);

    const content = messages.filter((m) => m !== 'BARRIER=1');
    expect(content[0]).toBe('READY=1\nSTATUS=0 subscriptions, 0 running, 0 queued');
    expect(content.filter((m) => m.startsWith('WATCHDOG=1')).every((m) => m === 'WATCHDOG=1\nSTATUS=0 subscriptions, 0 running, 0 queued')).toBe(true);
    expect(content.at(-1)).toBe('STOPPING=1\nSTATUS=stopping');
    // systemd-notify waited for each message to be taken (its barrier), so none overtook another.
    expect(messages.filter((m) => m === 'BARRIER=1').length).toBe(content.length);
  });

  it('an unhealthy botd (scheduler stopped, database closed) does not feed the watchdog, and says why in STATUS', async () => {
    const socket = join(dir, 'unhealthy.sock');
    const { messages } = listen(socket);
    await until('the socket to exist', async () => (await execa('test', ['-S', socket], { reject: false })).exitCode === 0 || undefined, 10_000);
    // A database the probe could not reach (probeDatabase keeps its last answer).
    const database = () => ({ reachable: false, error: 'The database connection is not open' });
    const env = { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '200000' };
    const notifier = systemdNotifier(env);
    expect(notifier).toBeDefined();
    const health = () => checkHealth({ database, schedulerRunning: () => false, lastTickAgeMs: () => 60_000 });
    const watchdog = startWatchdog({ notifier: notifier as SystemdNotifier, health, status: () => 'x', env });
    expect(watchdog.intervalMs).toBe(100);
    await watchdog.ready();
    await until('an unhealthy status', () => messages.find((m) => m.startsWith('STATUS=unhealthy')), 10_000);
    await watchdog.stopping();
    expect(messages.filter((m) => m.startsWith('WATCHDOG'))).toEqual([]);
    expect(messages.find((m) => m.startsWith('STATUS=unhealthy'))).toBe('STATUS=unhealthy: database unreachable; scheduler last tick 60000 ms ago');
  });

  it('without NOTIFY_SOCKET, botd sends nothing and says nothing about systemd', async () => {
    const botd = startBotd(freshHome(), [], { WATCHDOG_USEC: '1000000' });
    await botd.waitFor('start-up', (l) => l.msg === 'botd started');
    botd.kill('SIGTERM');
    const exit = await botd.exit;
    expect(exit.exitCode, JSON.stringify({ exit, lines: botd.lines.slice(-5) })).toBe(0);
    expect(botd.lines.filter((l) => /systemd|watchdog/.test(l.msg))).toEqual([]);
  });
});

if (missing && !inCi) {
  describe('botd under a Type=notify unit', () => {
    it.skip('needs systemd-notify and systemd-socket-activate (Debian package systemd, .ci/install-systemd.sh)', () => {});
  });
}
