// botd's options as its declaration (src/daemon/cli.ts) makes commander parse them: bad values exit 2 naming the
// option, what was expected and what arrived, before anything opens the home.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { botdBin } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';

async function botd(args: string[]) {
  const { home, remove } = temporaryHome();
  try {
    const r = await execa(process.execPath, [botdBin, 'start', ...args], { env: { BOTCTL_HOME: join(home, 'never') }, reject: false });
    return { ...r, opened: existsSync(join(home, 'never')) };
  } finally {
    remove();
  }
}

describe('botd start refuses bad options', () => {
  it.each([
    [['--concurrency', '0'], /--concurrency <n>.*Expected --concurrency to be an integer of at least 1, got "0"/],
    [['--heap-mb', '8'], /Expected --heap-mb to be an integer of at least 16, got "8"/],
    [['--log-level', 'loud'], /--log-level <level>.*Allowed choices are debug, info, warn, error/],
    [['--log-format', 'yaml'], /Allowed choices are auto, json, pretty/],
    [['--metrics', 'nowhere'], /--metrics <host:port>/],
    [['--metrics-per-subscription'], /Expected --metrics HOST:PORT with --metrics-per-subscription, got no --metrics/],
  ])('%j', async (args, message) => {
    const r = await botd(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.opened).toBe(false);
  });
});
