import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { botdBin } from '../support/cli.js';
import { findTool, requireTool } from '../support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'botd-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function printUnit(args: string[]): Promise<string> {
  const result = await execa(process.execPath, [botdBin, 'service', ...args], { env: { BOTCTL_HOME: '' }, reject: false });
  expect(result.exitCode).toBe(0);
  return result.stdout;
}

const systemdAnalyze = await findTool('systemd-analyze', ['--version']);

// systemd-analyze exits 0 even for unknown keys or unparsable values; it reports them on stderr. Without
// it (.ci/install-systemd.sh installs it) the unit's settings are still checked, then the test skips.
async function verify(unit: string, skip: (note: string) => never): Promise<{ exitCode: number | undefined; stderr: string }> {
  const analyze = requireTool(systemdAnalyze, skip);
  const path = join(dir, 'botd.service');
  writeFileSync(path, `${unit}\n`);
  const result = await execa(analyze, ['verify', path], { reject: false });
  return { exitCode: result.exitCode, stderr: result.stderr };
}

const setting = (unit: string, key: string) => unit.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

describe('botd service', () => {
  it('prints a unit for this installation that passes systemd-analyze verify', async (ctx) => {
    const unit = await printUnit(['--user', 'botctl']);
    expect(setting(unit, 'Type')).toEqual(['notify']);
    // READY/WATCHDOG come from systemd-notify, botd's child (src/metrics/systemd-notify.ts).
    expect(setting(unit, 'NotifyAccess')).toEqual(['all']);
    expect(setting(unit, 'WatchdogSec')).toEqual(['30']);
    expect(setting(unit, 'User')).toEqual(['botctl']);
    // Where this Node has it (22.14+), --disable-sigusr1: no inspector on SIGUSR1 (Node 24 ignores the shim's listener).
    const flag = process.allowedNodeEnvironmentFlags.has('--disable-sigusr1') ? ' --disable-sigusr1' : '';
    expect(setting(unit, 'ExecStart')).toEqual([`${process.execPath}${flag} ${botdBin} start --home /var/lib/botctl`]);
    expect(setting(unit, 'StateDirectory')).toEqual(['botctl']);
    expect(setting(unit, 'KillMode')).toEqual(['mixed']);
    // Above botd's own stop: 10 s grace for running bots, then 3 s after the abort message and 3 s after SIGTERM.
    expect(Number(setting(unit, 'TimeoutStopSec')[0])).toBeGreaterThan(16);
    expect(setting(unit, 'Restart')).toEqual(['on-failure']);
    expect(setting(unit, 'OOMPolicy')).toEqual(['continue']);
    // A cgroup v2 subtree of botd's own, writable: each bot child gets a memory budget and a task cap there.
    expect(setting(unit, 'Delegate')).toEqual(['yes']);
    expect(setting(unit, 'ProtectControlGroups')).toEqual([]);
    // No core dump of a process that holds the master key.
    expect(setting(unit, 'LimitCORE')).toEqual(['0']);
    expect(setting(unit, 'NoNewPrivileges')).toEqual(['yes']);
    expect(setting(unit, 'ProtectSystem')).toEqual(['strict']);
    // /home, /root and /run/user vanish under ProtectHome=yes: read-only where this Node or this clone lives there.
    const underHome = [process.execPath, botdBin].some((path) => /^\/(home|root|run\/user)(\/|$)/.test(path));
    expect(setting(unit, 'ProtectHome')).toEqual([underHome ? 'read-only' : 'yes']);
    expect(setting(unit, 'PrivateTmp')).toEqual(['yes']);
    // V8 needs writable and executable memory for its JIT.
    expect(unit).not.toContain('MemoryDenyWriteExecute');
    expect(await verify(unit, (note) => ctx.skip(note))).toEqual({ exitCode: 0, stderr: '' });
  });

  it('prints a fleet node\'s unit: secrets from a root-only EnvironmentFile, the node named, and it still verifies', async (ctx) => {
    const unit = await printUnit(['--user', 'botctl', '--fleet', '--node-name', 'node-b']);
    expect(setting(unit, 'EnvironmentFile')).toEqual(['/etc/botctl/botd.env']);
    expect(setting(unit, 'ExecStart')[0]).toMatch(/ start --home \/var\/lib\/botctl --node-name node-b$/);
    // What goes in the file is named, and no value is in the unit (units are world-readable).
    expect(unit).toContain('BOTCTL_DATABASE_URL=postgres://');
    expect(unit).not.toMatch(/^Environment=BOTCTL/m);
    const custom = await printUnit(['--user', 'botctl', '--environment-file', '/etc/botd/fleet.env']);
    expect(setting(custom, 'EnvironmentFile')).toEqual(['/etc/botd/fleet.env']);
    // systemd-analyze verify wants the file to exist only at start, not to verify.
    expect(await verify(unit, (note) => ctx.skip(note))).toEqual({ exitCode: 0, stderr: '' });
  });

  it('opens a home outside /var/lib for writing, and keeps /home readable when it lives there', async (ctx) => {
    const unit = await printUnit(['--user', 'trader', '--home', '/home/trader/bots home']);
    expect(setting(unit, 'StateDirectory')).toEqual([]);
    expect(setting(unit, 'ReadWritePaths')).toEqual(['"/home/trader/bots home"']);
    expect(setting(unit, 'ProtectHome')).toEqual(['read-only']);
    expect(setting(unit, 'ExecStart')[0]).toMatch(/ start --home "\/home\/trader\/bots home"$/);
    expect(await verify(unit, (note) => ctx.skip(note))).toEqual({ exitCode: 0, stderr: '' });
  });

  it('is checked for real: a broken unit does not pass', async (ctx) => {
    const unit = (await printUnit(['--user', 'botctl'])).replace('OOMPolicy=continue', 'OOMPolicy=sometimes');
    expect((await verify(unit, (note) => ctx.skip(note))).stderr).toMatch(/OOM policy/);
  });
});
