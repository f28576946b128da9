// botd on a real terminal (util-linux `script`): one readable line per event with the subscription's name, status,
// duration and error, coloured unless NO_COLOR, and no JSON. (Through a pipe it writes JSON lines: test/daemon/botd.ts
// reads every other botd suite's output that way and counts any line that is not JSON.)
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { botdBin } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';
import { hasScript, plain } from '../support/terminal.js';
import { addBot, addSubscription, fixtureBots, until } from './helpers.js';

const homes: (() => void)[] = [];
afterAll(() => homes.forEach((remove) => remove()));

/** A home with two minutely subscriptions created long ago, so botd catches each up at once when it starts. */
async function homeWithMissedRuns(): Promise<string> {
  const { home, remove } = temporaryHome();
  homes.push(remove);
  const connection = await openDatabase(home);
  try {
    const longAgo = new Date(Date.now() - 10 * 60_000).toISOString();
    const counting = await addSubscription(connection.db, await addBot(connection.db, 'counter'), { schedule: '* * * * *', createdAt: longAgo });
    const throwing = await addSubscription(connection.db, await addBot(connection.db, 'throws'), { schedule: '* * * * *', createdAt: longAgo });
    await connection.db.updateTable('subscriptions').set({ name: 'counting' }).where('id', '=', counting).execute();
    await connection.db.updateTable('subscriptions').set({ name: 'throwing' }).where('id', '=', throwing).execute();
  } finally {
    await connection.close();
  }
  return home;
}

/** Runs botd on an 80-column pty until both catch-up runs have finished, then stops it; returns the screen. */
async function botdOnTerminal(env: Record<string, string>): Promise<string> {
  const home = await homeWithMissedRuns();
  const command = `stty cols 80 rows 50; exec '${process.execPath}' '${botdBin}' start --home '${home}' --kill-grace 300`;
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...inherited } = process.env;
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: { ...inherited, BOTCTL_BOT_FILES: fixtureBots, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  let screen = '';
  child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    await until('two runs to finish on the terminal', () => (plain(screen).match(/run finished/g) ?? []).length >= 2, 60_000);
    const pid = Number(/botd started .*pid=(\d+)/.exec(plain(screen))?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGTERM');
    await until('botd to stop', () => plain(screen).includes('botd stopped'), 30_000);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  return screen.replace(/\r\n/g, '\n');
}

describe.skipIf(!hasScript)('botd on a terminal', () => {
  it('prints one readable line per event, naming the subscription, in colour; with NO_COLOR, none', async () => {
    const [coloured, uncoloured] = await Promise.all([botdOnTerminal({}), botdOnTerminal({ NO_COLOR: '1' })]);
    for (const screen of [coloured, uncoloured]) {
      const text = plain(screen);
      expect(text).toMatch(/^\d\d:\d\d:\d\d {2}INFO {3}botd started {2}home=/m);
      expect(text).toMatch(/^\d\d:\d\d:\d\d {2}INFO {3}run finished {2}counting \(\d+\) {2}run \d+ {2}succeeded {2}\d+ ms {2}scheduled_for=/m);
      expect(text).toMatch(/^\d\d:\d\d:\d\d {2}WARN {3}run finished {2}throwing \(\d+\) {2}run \d+ {2}failed {2}\d+ ms {2}error: boom: the strategy gave up {2}/m);
      expect(text).not.toMatch(/^\{/m);
      expect(text).not.toMatch(/DEBUG/);
    }
    expect(coloured).toContain('\u001b[31mfailed\u001b[39m');
    expect(uncoloured).not.toContain('\u001b');
  });
});
