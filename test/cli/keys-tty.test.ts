import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { decryptKey } from '../../src/secrets/keys.js';
import { botctlBin } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';
import { findTool, skipWithout } from '../support/tools.js';

const script = await findTool('script', ['--version']);

// On a terminal `keys add` prompts, and what is typed is not echoed. util-linux `script` provides the
// pseudo-terminal; each answer is typed only once its prompt is on screen, as a person would.
describe.skipIf(skipWithout(script, 'keys add on a terminal'))('keys add on a terminal', () => {
  const { home, remove } = temporaryHome();
  afterAll(remove);

  it('prompts for key, secret and passphrase without echoing them', async () => {
    const command = `'${process.execPath}' '${botctlBin}' --home '${home}' keys add typed --exchange binanceusdm`;
    const { NO_COLOR: _ignored, ...env } = process.env;
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: { ...env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'inherit'] });
    const answers: [string, string][] = [['API key: ', 'TYPED-KEY-81f2'], ['Secret: ', 'TYPED-SECRET-c94d'], ['Passphrase', 'TYPED-PASS-5e07']];
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      const next = answers[0];
      if (next && screen.includes(next[0])) {
        answers.shift();
        setTimeout(() => child.stdin.write(`${next[1]}\r`), 50);
      }
    });
    // Never leave a pty behind if a prompt does not show up.
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(guard);
    expect(exitCode, screen).toBe(0);
    expect(screen).toContain('Stored API key typed for binanceusdm');
    for (const typed of ['TYPED-KEY', 'TYPED-SECRET', 'TYPED-PASS']) expect(screen).not.toContain(typed);
    const connection = await openDatabase(home);
    try {
      expect(await decryptKey(connection.db, home, 'typed')).toMatchObject({ apiKey: 'TYPED-KEY-81f2', secret: 'TYPED-SECRET-c94d', password: 'TYPED-PASS-5e07' });
    } finally {
      await connection.close();
    }
  });
});
