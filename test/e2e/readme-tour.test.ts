// The README's Quick tour, run as it stands: its commands are read from README.md and run in order, in
// bash, from the repository root, offline, with HOME (and so BOTCTL_HOME=~/…) a temporary folder. The text
// and the behaviour cannot drift apart: a command that stops working fails here, naming the command.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryHome } from '../support/home.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(`${root}/README.md`, 'utf8');

/** The fenced block of `lang` that first follows `heading`. */
function blockAfter(heading: string, lang: string): string {
  const start = readme.indexOf(`${heading}\n`);
  expect(start, `README.md has no "${heading}"`).toBeGreaterThanOrEqual(0);
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(readme.slice(start));
  expect(match, `no \`\`\`${lang} block after "${heading}"`).not.toBeNull();
  return match?.[1] ?? '';
}

/** Shell commands, one per entry: continuation lines joined, blank lines dropped (comments stay, bash reads them). */
function commands(block: string): string[] {
  return block.replace(/\\\n/g, ' ').split('\n').filter((line) => line.trim() !== '');
}

const { home: fakeHome, remove } = temporaryHome();
afterAll(remove);

// Only what a newcomer's shell would have: none of botctl's own variables, no CI-specific settings.
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: fakeHome,
  NO_COLOR: '1',
};

describe('README Quick tour', () => {
  const tour = commands(blockAfter('## Quick tour', 'sh'));
  const exports = tour.filter((c) => c.startsWith('export '));
  const steps = tour.filter((c) => !c.startsWith('export '));

  it('is offline: it selects the recorded market data before the first run', () => {
    expect(exports.some((c) => /^export BOTCTL_MARKET_DATA=recorded\b/.test(c))).toBe(true);
    expect(steps.at(-1)).toMatch(/^botd start\b/);
    expect(exports[0]).toMatch(/^export PATH="\$PWD\/bin:\$PATH"/);
  });

  it('uploads the bot file whose text the README shows as the bot contract', () => {
    expect(readFileSync(`${root}/examples/my_strategy.ts`, 'utf8')).toBe(blockAfter('## The bot contract', 'ts'));
    expect(steps.some((c) => c.includes('upload examples/my_strategy.ts'))).toBe(true);
  });

  it('runs every command in order, each exiting 0', async () => {
    for (const step of steps.slice(0, -1)) {
      const r = await execa('bash', ['-c', [...exports, step].join('\n')], { cwd: root, env, extendEnv: false, reject: false, stdin: 'ignore', timeout: 120_000 });
      expect(r.exitCode, `\`${step}\` exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`).toBe(0);
    }
    const runs = JSON.parse((await execa('bash', ['-c', [...exports, 'botctl runs --json'].join('\n')], { cwd: root, env, extendEnv: false })).stdout) as { status: string }[];
    expect(runs.map((r) => r.status)).toEqual(['succeeded']);
  }, 600_000);

  it('ends with botd, which starts on the tour home and stops on SIGTERM', async () => {
    const child = spawn('bash', ['-c', [...exports, `exec ${steps.at(-1) ?? ''}`].join('\n')], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      const deadline = Date.now() + 120_000;
      while (!/botd started/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/botd started/);
      expect(out).toContain(`${fakeHome}/.local/share/botctl`);
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
    expect(out).toMatch(/botd stopped/);
  }, 180_000);
});
