// A temporary home holding the real BTC/USDT 1m candles (../shared/data), for tests that backtest a fixture bot
// and compare it with something else; BOTCTL_BOT_FILES, which they point at their fixtures, is put back after
// each test. Call it inside a describe that skips where the real candles are absent.
import { join } from 'node:path';
import { afterEach, beforeAll } from 'vitest';
import { importCandles } from '../../src/market-data/import-candles.js';
import { useTemporaryDatabase } from '../support/database.js';
import { realCandlesDir } from '../support/real-candles.js';

export function useRealCandleHome(): ReturnType<typeof useTemporaryDatabase> {
  const world = useTemporaryDatabase();
  const templates = process.env['BOTCTL_BOT_FILES'];
  afterEach(() => {
    if (templates === undefined) delete process.env['BOTCTL_BOT_FILES'];
    else process.env['BOTCTL_BOT_FILES'] = templates;
  });
  beforeAll(() => {
    importCandles(world.home, join(realCandlesDir, 'tradingsignals-1m', 'binance-BTCUSDT-1m.json'));
  });
  return world;
}
