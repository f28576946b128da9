// The README's "Backtest a strategy" block, run verbatim offline with the shipped data: every line as written, with
// `botctl` the real bin and `xdg-open` only checking that the chart exists.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { botctlBin } from '../support/cli.js';
import { useTemporaryHomes } from '../support/home.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const newHome = useTemporaryHomes();

describe('README: Backtest a strategy', () => {
  it('runs as written', { timeout: 600_000 }, async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Backtest a strategy'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBeDefined();
    const script = [
      'set -euo pipefail',
      `botctl() { node ${JSON.stringify(botctlBin)} "$@"; }`,
      'xdg-open() { test -s "$1"; grep -q "<svg" "$1"; echo "opened $1"; }',
      block!.replace(/^export BOTCTL_HOME=.*$/m, `export BOTCTL_HOME=${JSON.stringify(newHome())}`),
    ].join('\n');
    const result = await execa('bash', ['-c', script], { cwd: root, env: { NO_COLOR: '1', BOTCTL_MARKET_DATA: 'recorded' }, reject: false, timeout: 590_000 });
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/imported\s+2000 candles/);
    expect(result.stdout).toMatch(/return\s+-?\d+\.\d+ %\s+\(buy and hold/);
    expect(result.stdout).toMatch(/grid\s+30 configs/);
    expect(result.stdout).toContain('opened ');
    expect(result.stdout).toContain('Subscribed sma to BTC/USDT in paper mode');
  });
});
