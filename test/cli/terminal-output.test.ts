// botctl's human output on a real 80-column terminal, through a pipe, and with NO_COLOR / FORCE_COLOR=0: tables
// fit, subscriptions are named beside their ids, statuses are coloured only on a terminal, prices are rounded to
// the market's precision, and --json is never coloured. Real paper runs of templates on the recorded market data.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/cli/output/layout.js';
import { botctl, botctlBin } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';
import { hasScript, onTerminal, plain } from '../support/terminal.js';

const { home, remove } = temporaryHome();
afterAll(remove);
const env = { BOTCTL_HOME: home, BOTCTL_MARKET_DATA: 'recorded' };
const escape = '\u001b[';
const playbook = JSON.stringify({
  timeframe: '15m',
  rules: [{ name: 'demo-entry', position: 'flat', when: { left: 'close', op: '>', right: 0 }, action: 'open_long', size_pct: 10, stop_loss_pct: 2, take_profit_pct: 4 }],
});

beforeAll(async () => {
  const ok = async (args: string[]) => {
    const r = await botctl(home, args, { env });
    expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  await ok(['create', '--template', 'binance_futures_rpa_bot', '--name', 'rules-bot']);
  await ok(['create', '--template', 'binance_signals_bot', '--name', 'signals-bot']);
  await ok(['subscribe', 'rules-bot', '--name', 'rules', '--pair', 'BTC/USDT:USDT', '--schedule', '0 0 1 1 *', '--config', playbook]);
  await ok(['subscribe', 'signals-bot', '--name', 'ethereum-signals', '--pair', 'ETH/USDT:USDT', '--schedule', '0 0 1 1 *', '--config', '{"emit":"every_run"}']);
  await ok(['run', 'rules']);
  await ok(['run', 'ethereum-signals']);
}, 180_000);

const commands = [['templates'], ['runs'], ['signals'], ['orders'], ['subscriptions'], ['bots']];
// Each command once per terminal setting: `templates` alone starts five sandboxed children.
const seen = new Map<string, Promise<{ exitCode: number; output: string }>>();
function screen(args: string[], extra: Record<string, string> = {}, columns = 80) {
  const key = JSON.stringify([args, extra, columns]);
  if (!seen.has(key)) seen.set(key, onTerminal([process.execPath, botctlBin, ...args], { env: { ...env, ...extra }, columns }));
  return seen.get(key)!;
}
const widest = (text: string) => Math.max(...plain(text).split('\n').map(displayWidth));

describe.skipIf(!hasScript)('on an 80-column terminal', () => {
  it('templates, runs, signals, orders, subscriptions and bots fit in 80 columns, in colour', async () => {
    for (const args of commands) {
      const { exitCode, output } = await screen(args);
      expect(exitCode, output).toBe(0);
      expect(widest(output), `${args[0]}:\n${output}`).toBeLessThanOrEqual(80);
      expect(output, args[0]).toContain(escape);
    }
  }, 180_000);

  it('templates lists each template with its description and its config fields under it', async () => {
    const text = plain((await screen(['templates'])).output);
    expect(text).toMatch(/^binance_futures_rpa_bot {2}1 bot\n {2}Rule-driven automation[^\n]*\n(?: {2}[^\n]*\n)* {2}config {2}timeframe, leverage, capital_management, rules$/m);
    expect(text).toMatch(/^universal_futures_bot {2}0 bots\n(?: {2}.*\n)* {2}config {2}exchange_type, leverage,[^\n]*\n {10}\S/m);
  }, 180_000);

  it('runs, orders and signals name the subscription beside its id, and colour statuses', async () => {
    const runs = (await screen(['runs'])).output;
    expect(plain(runs)).toMatch(/rules \(1\)/);
    expect(plain(runs)).toMatch(/ethereum-signals \(2\)|ethereum-signa/);
    expect(runs).toContain(`\u001b[32msucceeded\u001b[39m`);
    const orders = (await screen(['orders'])).output;
    expect(plain(orders)).toContain('rules (1)');
    expect(orders).toMatch(/\u001b\[32mclosed\u001b\[39m/);
    expect(orders).toMatch(/\u001b\[36mopen\u001b\[39m/);
    expect(plain((await screen(['signals'])).output)).toMatch(/rules \(1\)/);
  }, 180_000);

  it('shows no colour with NO_COLOR or FORCE_COLOR=0, and none in --json', async () => {
    for (const extra of [{ NO_COLOR: '1' }, { FORCE_COLOR: '0' }] as Record<string, string>[]) {
      for (const args of commands) {
        const { output } = await screen(args, extra);
        expect(output, `${args[0]} with ${JSON.stringify(extra)}`).not.toContain('\u001b');
        expect(widest(output)).toBeLessThanOrEqual(80);
      }
    }
    const json = (await screen(['runs', '--json'])).output;
    expect(json).not.toContain('\u001b');
    expect(JSON.parse(json)).toEqual(expect.arrayContaining([expect.objectContaining({ subscription_name: 'rules', subscription_id: 1 })]));
  }, 180_000);

  it('follows a wider terminal: at 160 columns runs shows the code column too', async () => {
    const wide = plain((await screen(['runs'], {}, 160)).output);
    expect(wide.split('\n')[0]).toMatch(/\bcode$/);
    const narrow = plain((await screen(['runs'])).output);
    expect(narrow.split('\n')[0]).not.toMatch(/\bcode\b/);
  }, 180_000);
});

describe('through a pipe', () => {
  it('lays out for $COLUMNS when set, without any escape code; unset, one whole row per line', async () => {
    const { NO_COLOR: _n, FORCE_COLOR: _f, COLUMNS: _c, ...inherited } = process.env;
    const piped = (args: string[], extra: Record<string, string> = {}) =>
      execa(process.execPath, [botctlBin, ...args], { env: { ...inherited, ...env, ...extra }, extendEnv: false, reject: false });
    for (const args of commands) {
      const r = await piped(args, { COLUMNS: '80' });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout, args[0]).not.toContain('\u001b');
      expect(widest(r.stdout), `${args[0]}:\n${r.stdout}`).toBeLessThanOrEqual(80);
    }
    const whole = await piped(['orders']);
    expect(whole.stdout).not.toContain('\u001b');
    const lines = whole.stdout.split('\n');
    expect(lines[0]).toMatch(/\bexchange id$/);
    const json = (await botctl(home, ['orders', '--json'])).json as unknown[];
    expect(lines).toHaveLength(json.length + 1);
    expect(whole.stdout).toContain('take_profit_market');
  }, 180_000);

  it('rounds prices and amounts to the market precision (BTC/USDT:USDT: tick 0.1, step 0.001); --json keeps the recorded values', async () => {
    const json = (await botctl(home, ['orders', '--json'])).json as { id: number; price: number | null; amount: number; type: string }[];
    const market = json.find((o) => o.type === 'market');
    expect(market?.price).toBeTypeOf('number');
    const text = (await botctl(home, ['orders'])).stdout;
    const row = text.split('\n').find((line) => new RegExp(`^ *${market?.id} `).test(line)) ?? '';
    expect(row).toContain(` ${(Math.round((market?.price ?? 0) / 0.1) * 0.1).toFixed(1)} `);
    expect(row).toContain(` ${(market?.amount ?? 0).toFixed(3)} `);
    for (const line of text.split('\n').slice(1)) expect(line).not.toMatch(/\d+\.\d{2,}\s+(open|closed|canceled|rejected)/);
  }, 180_000);
});
