import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const botctlBin = fileURLToPath(new URL('../../bin/botctl.js', import.meta.url));
export const botdBin = fileURLToPath(new URL('../../bin/botd.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when --json was passed and it parses. */
  json: unknown;
}

// Spawns the real bin/botctl.js (the compiled dist/, built by `npm test`'s pretest) with a given home.
export async function botctl(home: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [botctlBin, ...args], {
    env: { BOTCTL_HOME: home, NO_COLOR: '1', ...options.env },
    input: options.input ?? '',
    reject: false,
    // Only catches a hang: at load average 30 on 2 cores one botctl upload has taken over a minute.
    timeout: 150_000,
  });
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    json = undefined;
  }
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, json };
}

/** `botctl ARGS --json` that must succeed, as set-up steps are: its stdout. */
export async function botctlOk(home: string, args: string[], input?: string): Promise<string> {
  const r = await botctl(home, [...args, '--json'], input === undefined ? {} : { input });
  expect(r.exitCode, `botctl ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}
