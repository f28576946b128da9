// SIGUSR1 opens no inspector in the processes that hold keys: the real botd and the real botctl (during a `botctl
// run`, which evaluates nothing itself but holds the broker and its keys), started as an operator starts them (the
// bin shims as programs, on the Node running this suite: 20, 22 or 24). All are started with
// NODE_OPTIONS=--inspect-port=0, so an inspector would listen on a free port rather than fail on a busy 9229; a
// plain Node process started the same way shows that the check sees one when it opens.
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { startBotd, thisNodeFirst } from '../daemon/botd.js';
import { addBot, addSubscription, alive, fixtureBots, sleep, until } from '../daemon/helpers.js';
import { botctlBin } from '../support/cli.js';
import { useTemporaryDatabase } from '../support/database.js';
import { listeningPorts } from './listening-ports.js';

const temp = useTemporaryDatabase();
const inspectAnywhere = { NODE_OPTIONS: '--inspect-port=0' };
const started: { kill(signal?: NodeJS.Signals): unknown }[] = [];
afterAll(() => started.forEach((p) => p.kill('SIGKILL')));
/** Node 22.14+ and 24: the shims pass --disable-sigusr1, and not even the start-up window is open. */
const hasFlag = process.allowedNodeEnvironmentFlags.has('--disable-sigusr1');
if (!hasFlag) process.stderr.write(`[inspector.test] start-up window not tested: Node ${process.version} has no --disable-sigusr1 (the README's remaining risks)\n`);

/** Sends SIGUSR1 twice and gives an inspector time to open. */
async function poke(pid: number): Promise<void> {
  process.kill(pid, 'SIGUSR1');
  await sleep(300);
  process.kill(pid, 'SIGUSR1');
  await sleep(700);
}

/** The flags the process runs with: the shim passes --disable-sigusr1 where this Node has it. */
const nodeFlags = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

describe('SIGUSR1', () => {
  it('opens an inspector in a plain Node process (the check sees it)', async () => {
    const plain = execa(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)'], { env: inspectAnywhere, reject: false });
    started.push(plain);
    await sleep(300);
    await poke(plain.pid!);
    const ports = await until('the inspector to listen', () => (listeningPorts(plain.pid!).length ? listeningPorts(plain.pid!) : undefined), 10_000);
    expect(ports.length).toBeGreaterThan(0);
    plain.kill('SIGKILL');
  });

  it('opens nothing in botd, which keeps running', async () => {
    const botd = startBotd(temp.home, [], inspectAnywhere, { asProgram: true });
    started.push(botd);
    await botd.waitFor('its start', (line) => line.msg === 'botd started');
    expect(nodeFlags(botd.pid).includes('--disable-sigusr1')).toBe(hasFlag);
    await poke(botd.pid);
    expect(alive(botd.pid)).toBe(true);
    expect(listeningPorts(botd.pid)).toEqual([]);
    botd.kill('SIGTERM');
    const exit = await botd.exit;
    expect(exit.exitCode).toBe(0);
    expect(exit.stderr).not.toContain('Debugger listening');
  });

  it('opens nothing in botctl during a run, which finishes as usual', async () => {
    const sub = await addSubscription(temp.db, await addBot(temp.db, 'slow'), { config: { ms: 15_000 } });
    const run = execa(botctlBin, ['run', String(sub)], {
      env: { BOTCTL_HOME: temp.home, BOTCTL_BOT_FILES: fixtureBots, NO_COLOR: '1', PATH: thisNodeFirst(), ...inspectAnywhere },
      reject: false,
    });
    started.push(run);
    // Generous: botctl bundles the bot first, and the machine may be loaded.
    await until('the run to start', async () => temp.db.selectFrom('runs').select('id').where('subscription_id', '=', sub).where('child_pid', 'is not', null).executeTakeFirst(), 90_000);
    expect(nodeFlags(run.pid!).includes('--disable-sigusr1')).toBe(hasFlag);
    await poke(run.pid!);
    expect(alive(run.pid!)).toBe(true);
    expect(listeningPorts(run.pid!)).toEqual([]);
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('Debugger listening');
  });

  // Before the shim's listener is installed, Node's own handler would open the inspector (measured: signals every
  // 50 ms from exec opened it in botd on 20, 22 and 24). With the flag nothing opens at any time; a signal before
  // Node's start may end the process instead (SIGUSR1's default action), which is no way in.
  it.skipIf(!hasFlag)('opens nothing in botd even while it starts, under SIGUSR1 every 10 ms from its exec', async () => {
    const botd = startBotd(temp.home, [], inspectAnywhere, { asProgram: true });
    started.push(botd);
    const pid = botd.pid;
    let ports: number[] = [];
    for (let i = 0; i < 150 && alive(pid); i++) {
      try {
        process.kill(pid, 'SIGUSR1');
        ports = ports.concat(listeningPorts(pid));
      } catch {
        break;
      }
      await sleep(10);
    }
    expect(ports).toEqual([]);
    botd.kill('SIGKILL');
    const exit = await botd.exit;
    expect(exit.stderr).not.toContain('Debugger listening');
  });
});
