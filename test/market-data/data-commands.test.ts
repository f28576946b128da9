// `botctl data fetch | list | import` through the real bin, ccxt's real code path against the fake Binance serving real
// candles (../shared/data/real-candles): pagination past 1,000 candles, the exchange's real gaps, an interrupted fetch
// resumed, recorded JSON and CSV imports.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botctl } from '../support/cli.js';
import { startFakeBinance, type FakeBinance } from '../support/fake-binance.js';
import { useTemporaryHomes } from '../support/home.js';
import { haveRealCandles, noRealCandles, realCandles, realCandlesDir, servingKlines } from '../support/real-candles.js';

const newHome = useTemporaryHomes();

interface FetchJson { fetched: number; requests: number; already: number; expected: number; stored: number; gaps: { from: number; to: number; missing: number }[] }
interface ListJson { exchange: string; symbol: string; timeframe: string; first: number; last: number; count: number; gaps: { from: number; missing: number }[] }

describe.skipIf(!haveRealCandles)('the candle store, on real candles', () => {
  let fake: FakeBinance;
  let failOnCall = 0;
  let klineCalls = 0;
  const btc = haveRealCandles ? realCandles('tradingsignals-1m', 'binance-BTCUSDT-1m.json') : undefined!;
  const eth = haveRealCandles ? realCandles('octobot-1h', 'binance-ETHUSDT-1h.json') : undefined!;
  let env: Record<string, string>;

  beforeAll(async () => {
    const serve = servingKlines([{ id: 'BTCUSDT', candles: btc }, { id: 'ETHUSDT', candles: eth }]);
    fake = await startFakeBinance({
      apiKey: 'k', secret: 's', logUnknown: false,
      klines: (symbol, interval, limit, range) => {
        if (++klineCalls === failOnCall) throw new Error('the exchange fell over');
        return serve(symbol, interval, limit, range);
      },
    });
    env = { BOTCTL_EXCHANGE_REDIRECT: fake.url };
  });
  afterAll(() => fake?.close());

  const fetch = (home: string, pair: string, timeframe: string, since: string, until: string) =>
    botctl(home, ['data', 'fetch', '--exchange', 'binance', '--pair', pair, '--timeframe', timeframe, '--since', since, '--until', until, '--json'], { env });

  it('pages past 1,000 candles, and a second fetch asks for nothing', async () => {
    const home = newHome();
    const first = await fetch(home, 'BTC/USDT', '1m', '2021-02-19', '2021-02-26');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ expected: 10_080, already: 0, fetched: 10_080, requests: 11, stored: 10_080, gaps: [] });
    const list = (await botctl(home, ['data', 'list', '--json'])).json as ListJson[];
    expect(list).toEqual([{ exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m', first: btc.rows[0]![0], last: btc.rows.at(-1)![0], count: 10_080, gaps: [] }]);
    const again = await fetch(home, 'BTC/USDT', '1m', '2021-02-19', '2021-02-26');
    expect(again.json).toMatchObject({ already: 10_080, fetched: 0, requests: 0, stored: 10_080 });
    const table = await botctl(home, ['data', 'list']);
    expect(table.stdout).toMatch(/binance.*BTC\/USDT.*1m.*2021-02-19T00:00Z.*2021-02-25T23:59Z.*10080.*none/);
  });

  it("reports the exchange's real gaps as gaps, fills none, and does not ask for them again", async () => {
    const home = newHome();
    const result = await fetch(home, 'ETH/USDT', '1h', '2018-06-24T22:00Z', '2018-07-16T11:00Z');
    expect(result.exitCode, result.stderr).toBe(0);
    const json = result.json as FetchJson;
    expect(json).toMatchObject({ expected: 517, fetched: 499, stored: 499 });
    expect(json.gaps.map((g) => [new Date(g.from).toISOString(), g.missing])).toEqual([
      ['2018-06-26T02:00:00.000Z', 10], ['2018-06-27T13:00:00.000Z', 1], ['2018-07-04T01:00:00.000Z', 7],
    ]);
    const again = await fetch(home, 'ETH/USDT', '1h', '2018-06-24T22:00Z', '2018-07-16T11:00Z');
    expect(again.json).toMatchObject({ already: 517, requests: 0, stored: 499 });
    expect((await botctl(home, ['data', 'list'])).stdout).toMatch(/ETH\/USDT.*1h.*499.*3 \(18 candles\)/);
  });

  it('keeps what an interrupted fetch got, and the next call fetches only the rest', async () => {
    const home = newHome();
    klineCalls = 0;
    failOnCall = 5;
    const broken = await fetch(home, 'BTC/USDT', '1m', '2021-02-19', '2021-02-26');
    failOnCall = 0;
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toContain('fetches only what is missing');
    expect(((await botctl(home, ['data', 'list', '--json'])).json as ListJson[])[0]?.count).toBe(4_000);
    const resumed = await fetch(home, 'BTC/USDT', '1m', '2021-02-19', '2021-02-26');
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.json).toMatchObject({ already: 4_000, fetched: 6_080, requests: 7, stored: 10_080, gaps: [] });
  });

  it('imports a CSV, and refuses a bad one without writing anything', async () => {
    const home = newHome();
    const rows = realCandles('tradingsignals-15m', 'binance-BTCUSDT-15m.json').rows.slice(0, 96);
    const csv = join(home, 'btc.csv');
    writeFileSync(csv, `time,open,high,low,close,volume\n${rows.map(([t, ...v]) => [new Date(t!).toISOString(), ...v].join(',')).join('\n')}\n`);
    const imported = await botctl(home, ['data', 'import', csv, '--exchange', 'binance', '--pair', 'BTC/USDT', '--json']);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(imported.json).toMatchObject({ symbol: 'BTC/USDT', timeframe: '15m', imported: 96, stored: 96, first: rows[0]![0], gaps: [] });

    const bad = join(home, 'bad.csv');
    writeFileSync(bad, `time,open,high,low,close,volume\n${rows[0]!.join(',')}\n${[rows[1]![0], 100, 90, 95, 99, 1].join(',')}\n`);
    const other = newHome();
    const refused = await botctl(other, ['data', 'import', bad, '--exchange', 'binance', '--pair', 'ETH/USDT', '--json']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('candle 2');
    expect((await botctl(other, ['data', 'list', '--json'])).json).toEqual([]);
  });

  it('imports a recorded file whose rows carry no times, from its note, gaps included', async () => {
    const home = newHome();
    const imported = await botctl(home, ['data', 'import', join(realCandlesDir, 'octobot-1h', 'binance-ETHUSDT-1h.json'), '--json']);
    expect(imported.exitCode, imported.stderr).toBe(0);
    const json = imported.json as FetchJson & { first: number };
    expect(json.first).toBe(eth.rows[0]![0]);
    expect(json.gaps.map((g) => g.missing)).toEqual([10, 1, 7]);
  });
});

describe('the candle store without real data', () => {
  it('lists nothing in a fresh home and says how to get candles', async () => {
    const listed = await botctl(newHome(), ['data', 'list']);
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toContain('botctl data fetch');
  });

  it.skipIf(haveRealCandles)('skips the real-candle tests', () => {
    console.warn(`skipped: ${noRealCandles}`);
  });
});
