// The small things a newcomer trips over: --version, help that points at the right place and marks what
// is required, and hints for the usual slips (`--config file.json` without @, a misspelt --risk key).
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botctl, botdBin } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';

const { home, remove } = temporaryHome();
afterAll(remove);
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

beforeAll(async () => {
  expect((await botctl(home, ['create', '--template', 'simple_sma_bot', '--name', 'sma'])).exitCode).toBe(0);
});

describe('--version', () => {
  it('prints the package version, as {version} with --json, for botctl and botd', async () => {
    expect(await botctl(home, ['--version'])).toMatchObject({ exitCode: 0, stdout: version });
    expect(await botctl(home, ['-V'])).toMatchObject({ exitCode: 0, stdout: version });
    expect((await botctl(home, ['--json', '--version'])).json).toEqual({ version });
    const botd = await execa(process.execPath, [botdBin, '--version'], { reject: false });
    expect([botd.exitCode, botd.stdout]).toEqual([0, version]);
  });
});

describe('subcommand help', () => {
  it("points a subcommand's usage error at its own --help", async () => {
    const r = await botctl(home, ['subscribe', 'sma', '--pair', 'BTC/USDT']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("required option '--schedule <cron>' not specified");
    expect(r.stderr).toContain('(run `botctl subscribe --help` for usage)');
    const nested = await botctl(home, ['keys', 'add', 'k']);
    expect(nested.stderr).toContain('(run `botctl keys add --help` for usage)');
  });

  it('marks required options', async () => {
    const help = (await botctl(home, ['subscribe', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--pair <symbol> (required) ccxt unified symbol');
    expect(help).toContain('--schedule <cron> (required) five-field cron expression');
    expect(help).not.toMatch(/--mode <mode> \(required\)/);
  });
});

describe('hints', () => {
  const subscribe = (...extra: string[]) => botctl(home, ['subscribe', 'sma', '--pair', 'BTC/USDT', '--schedule', '@hourly', ...extra]);

  it('suggests @FILE when --config is given a file name', async () => {
    const r = await subscribe('--config', 'config.json');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('To read the file, write `--config @config.json`.');
    const inline = await subscribe('--config', '{"fast": ');
    expect(inline.stderr).not.toContain('To read the file');
  });

  it('lists the valid --risk keys on a misspelt one, with the nearest', async () => {
    const r = await subscribe('--risk', '{"max_levrage": 3}');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('valid keys in risk: max_leverage, max_orders_per_run, max_position_size_pct, max_order_notional, paper (did you mean "max_leverage" for "max_levrage"?)');
    const paper = await subscribe('--risk', '{"paper": {"fee": 0.001}}');
    expect(paper.stderr).toContain('valid keys in risk.paper: fee_rate, slippage_bps, starting_balance');
  });
});
