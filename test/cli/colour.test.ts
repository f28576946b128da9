import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { botctlBin } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';
import { findTool, skipWithout } from '../support/tools.js';

// Colour only on a terminal, never with NO_COLOR, never in --json. util-linux `script` gives the
// process a real pseudo-terminal; where it is missing the test is skipped, not faked.
const script = await findTool('script', ['--version']);
const escape = '\u001b[';

describe.skipIf(skipWithout(script, 'colour on a terminal'))('colour', () => {
  const { home, remove } = temporaryHome();
  afterAll(remove);

  const onTerminal = async (args: string[], env: Record<string, string> = {}) => {
    const command = [process.execPath, botctlBin, '--home', home, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const { NO_COLOR: _ignored, ...inherited } = process.env;
    const r = await execa('script', ['-q', '-e', '-c', command, '/dev/null'], { env: { ...inherited, ...env }, extendEnv: false, reject: false });
    return r.stdout;
  };

  it('paints on a terminal', async () => {
    const out = await onTerminal(['create', '--template', 'simple_sma_bot', '--name', 'painted']);
    expect(out).toContain('Created bot painted');
    expect(out).toContain(escape);
  });

  it('honours NO_COLOR on a terminal; an empty NO_COLOR does not count', async () => {
    const out = await onTerminal(['bots'], { NO_COLOR: '1' });
    expect(out).toContain('painted');
    expect(out).not.toContain(escape);
    expect(await onTerminal(['bots'], { NO_COLOR: '' })).toContain(escape);
  });

  it('never paints --json or a pipe', async () => {
    expect(await onTerminal(['bots', '--json'])).not.toContain(escape);
    const { NO_COLOR: _ignored, ...env } = process.env;
    const piped = await execa(process.execPath, [botctlBin, '--home', home, 'bots'], { reject: false, env, extendEnv: false });
    expect(piped.stdout).toContain('painted');
    expect(piped.stdout).not.toContain(escape);
  });
});
