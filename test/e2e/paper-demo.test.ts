// The offline demo (scripts/paper-demo.sh, `npm run demo`) as a newcomer runs it: on a terminal, in colour, and
// through a pipe, with no escape code at all; subscriptions by name in botctl's tables and in botd's lines.
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryHome } from '../support/home.js';
import { hasScript, onTerminal, plain } from '../support/terminal.js';

const demo = fileURLToPath(new URL('../../scripts/paper-demo.sh', import.meta.url));
const homes: (() => void)[] = [];
afterAll(() => homes.forEach((remove) => remove()));
const freshHome = () => {
  const { home, remove } = temporaryHome();
  homes.push(remove);
  return home;
};

function expectNamed(text: string): void {
  // botctl runs, and botd's line for each scheduled run, name the five subscriptions.
  for (const name of ['sma', 'trend', 'universal', 'signals', 'rules']) {
    expect(text).toMatch(new RegExp(`^ *\\d+ +${name} \\(\\d+\\) `, 'm'));
    expect(text).toMatch(new RegExp(`run finished {2}${name} \\(\\d+\\) {2}run \\d+`));
  }
  expect(text).toContain('$ botctl runs');
  expect(text).not.toMatch(/"msg":/);
}

describe.skipIf(!hasScript)('the paper demo', () => {
  it('on a terminal it colours; through a pipe it writes no escape code; both name the subscriptions', async () => {
    const { NO_COLOR: _n, FORCE_COLOR: _f, COLUMNS: _c, ...inherited } = process.env;
    const [terminal, piped] = await Promise.all([
      onTerminal(['bash', demo], { env: { BOTCTL_HOME: freshHome() }, columns: 100, timeoutMs: 900_000 }),
      execa('bash', [demo], { env: { ...inherited, BOTCTL_HOME: freshHome() }, extendEnv: false, reject: false, timeout: 900_000 }),
    ]);
    expect(terminal.exitCode, terminal.output).toBe(0);
    expect(terminal.output).toContain('\u001b[1m$ botctl subscriptions');
    expect(terminal.output).toMatch(/\u001b\[32msucceeded/);
    expectNamed(plain(terminal.output));

    expect(piped.exitCode, piped.stderr).toBe(0);
    expect(piped.stdout).not.toContain('\u001b');
    expectNamed(piped.stdout);
    // Deadlines only catch a hang: the demo waits for botd's five scheduled runs, however long a loaded machine takes.
  }, 960_000);
});
