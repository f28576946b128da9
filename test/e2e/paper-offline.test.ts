// Paper mode with no network: the real botctl runs template bots priced from the recorded candle files
// (BOTCTL_MARKET_DATA=recorded), and `botctl orders` / `botctl signals` show what they did.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botctl } from '../support/cli.js';
import { temporaryHome } from '../support/home.js';

let home: string;
let remove: () => void;
const env = { BOTCTL_MARKET_DATA: 'recorded' };

const playbook = {
  timeframe: '15m',
  rules: [{ name: 'enter-now', position: 'flat', when: { left: 'close', op: '>', right: 0 }, action: 'open_long', size_pct: 10, stop_loss_pct: 2, take_profit_pct: 4 }],
};

beforeAll(async () => {
  ({ home, remove } = temporaryHome());
  for (const template of ['binance_futures_rpa_bot', 'binance_signals_bot']) {
    const created = await botctl(home, ['create', '--template', template, '--name', template, '--exchange', 'binanceusdm']);
    expect(created.exitCode, created.stderr).toBe(0);
  }
  const rules = await botctl(home, ['subscribe', 'binance_futures_rpa_bot', '--name', 'rules', '--pair', 'BTC/USDT:USDT', '--schedule', '*/15 * * * *', '--config', JSON.stringify(playbook)]);
  expect(rules.exitCode, rules.stderr).toBe(0);
  const signals = await botctl(home, ['subscribe', 'binance_signals_bot', '--name', 'signals', '--pair', 'ETH/USDT', '--schedule', '0 * * * *']);
  expect(signals.exitCode, signals.stderr).toBe(0);
});

afterAll(() => remove());

describe('paper mode on recorded market data', () => {
  it('runs a rule bot that opens a protected paper position, and lists its orders', async () => {
    const run = await botctl(home, ['run', 'rules', '--json'], { env });
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    const orders = await botctl(home, ['orders', '--subscription', 'rules', '--json']);
    const rows = orders.json as { run_id: number; mode: string; type: string; side: string; status: string; amount: number }[];
    expect(rows.map((o) => [o.mode, o.type, o.side, o.status])).toEqual([
      ['paper', 'take_profit_market', 'sell', 'open'],
      ['paper', 'stop_market', 'sell', 'open'],
      ['paper', 'market', 'buy', 'closed'],
    ]);
    expect(new Set(rows.map((o) => o.run_id))).toEqual(new Set([(run.json as { id: number }).id]));
    const table = await botctl(home, ['orders']);
    expect(table.stdout).toContain('stop_market');
  });

  it('runs a signal bot that records a signal and no order', async () => {
    const run = await botctl(home, ['run', 'signals'], { env });
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    const signals = await botctl(home, ['signals', '--subscription', 'signals', '--json']);
    const rows = signals.json as { action: string; symbol: string; data: Record<string, unknown> }[];
    expect(rows).toHaveLength(1);
    expect(['long', 'short', 'neutral', 'overbought', 'oversold']).toContain(rows[0]?.action);
    expect(rows[0]).toMatchObject({ symbol: 'ETH/USDT', data: { timeframe: '1h', close: expect.any(Number) } });
    expect((await botctl(home, ['orders', '--subscription', 'signals', '--json'])).json).toEqual([]);
  });

  it('refuses a pair the recordings do not have, naming what they have', async () => {
    const created = await botctl(home, ['subscribe', 'binance_signals_bot', '--name', 'sol', '--pair', 'SOL/USDT', '--schedule', '0 * * * *']);
    expect(created.exitCode, created.stderr).toBe(0);
    const run = await botctl(home, ['run', 'sol', '--json'], { env });
    expect(run.exitCode).toBe(1);
    expect((run.json as { error: string }).error).toMatch(/^BadSymbol: No recorded market data for SOL\/USDT .*\(recorded: BTC\/USDT, ETH\/USDT\)/);
  });
});
