import { describe, expect, it } from 'vitest';
import { validatePair } from '../../src/subscriptions/validate-pair.js';
import { expectBotctlError } from '../support/expect-error.js';

describe('validatePair', () => {
  it.each(['BTC/USDT', 'BTC/USDT:USDT', 'ETH/USD:ETH', '1000PEPE/USDT:USDT', 'BTC/USD:BTC-261225', 'BTC/USD:BTC-261225-100000-C', 'ETH/USDC:USDC-261225-3500.5-P'])(
    'accepts the ccxt unified symbol %s',
    (pair) => {
      expect(validatePair(pair)).toBe(pair);
    },
  );

  it('trims surrounding blanks', () => {
    expect(validatePair(' BTC/USDT ')).toBe('BTC/USDT');
  });

  it.each([
    ['BTCUSDT', 'ccxt unified symbols separate base and quote with a slash'],
    ['btc/usdt', 'Did you mean BTC/USDT?'],
    ['BTC-USDT', ''],
    ['BTC/', ''],
    ['/USDT', ''],
    ['BTC/USDT:', ''],
    ['BTC/USDT/ETH', ''],
    ['BTC/USDT:USDT-2612', ''],
    ['../../etc/passwd', ''],
    ['BTC/USDT\n', ''],
    ['BTC/US\u0000DT', ''],
    ['', ''],
  ])('refuses %j with exit 2', async (pair, extra) => {
    const error = await expectBotctlError(() => validatePair(pair), {
      message: /^Expected `--pair` to be a ccxt unified symbol such as BTC\/USDT \(spot\) or BTC\/USDT:USDT \(perpetual\), got /,
    });
    expect(error.message).toContain(`got ${JSON.stringify(pair)}`);
    if (extra) expect(error.message).toContain(extra);
  });
});
