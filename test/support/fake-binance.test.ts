// Drives ccxt's real binance / binanceusdm classes against the loopback fake.
//
// Testnet / demo trading in ccxt 4.5.84 (see binance.js: urls.test, urls.demo, sign(), enableDemoTrading()):
// - setSandboxMode(true) itself does not throw. It swaps urls.api to urls.test (testnet.binancefuture.com for
//   fapi, testnet.binance.vision for spot). Public futures calls still go out to testnet.binancefuture.com; the
//   first *signed* fapi call throws NotSupported ("testnet/sandbox mode is not supported for futures anymore ...
//   consider using the demo trading instead") before any request is sent, unless
//   options.disableFuturesSandboxWarning is true.
// - The replacement is exchange.enableDemoTrading(true), which swaps urls.api to urls.demo:
//     fapiPublic/fapiPrivate      https://demo-fapi.binance.com/fapi/v1   (V2/V3: /fapi/v2, /fapi/v3)
//     dapiPublic/dapiPrivate      https://demo-dapi.binance.com/dapi/v1   (V2: /dapi/v2)
//     public/private (spot)       https://demo-api.binance.com/api/v3     (v1: /api/v1)
//   There is no sapi/papi/eapi in demo mode (calls to them throw NotSupported), so fetchCurrencies is skipped
//   and option markets are not loaded. Demo keys come from https://demo.binance.com (API management).
//   enableDemoTrading(true) after setSandboxMode(true) throws NotSupported.
// - Binance's error tables are chosen by URL prefix and include demo-api / demo-fapi / demo-dapi, so error codes
//   map to the same ccxt classes on demo as on production. routeToFake keeps those URLs for that reason.
import ccxt from 'ccxt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { routeToFake, startFakeBinance } from './fake-binance.js';
import type { FakeBinance } from './fake-binance.js';

const apiKey = 'test-api-key';
const secret = 'test-secret';
const FUT = 'BTC/USDT:USDT';

type Usdm = InstanceType<typeof ccxt.binanceusdm>;
type Spot = InstanceType<typeof ccxt.binance>;

function usdm(fake: FakeBinance, creds: { apiKey: string; secret: string } = { apiKey, secret }): Usdm {
  const ex = new ccxt.binanceusdm({ ...creds, enableRateLimit: false, options: { fetchCurrencies: false, fetchMargins: false } });
  routeToFake(ex, fake.url);
  return ex;
}

function spot(fake: FakeBinance, creds: { apiKey: string; secret: string } = { apiKey, secret }): Spot {
  const ex = new ccxt.binance({
    ...creds,
    enableRateLimit: false,
    options: { fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot'] } },
  });
  routeToFake(ex, fake.url);
  return ex;
}

function idOf(order: { id?: string | undefined }): string {
  if (order.id === undefined) throw new Error('order without id');
  return order.id;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to reject');
}

let fake: FakeBinance;

beforeEach(async () => {
  fake = await startFakeBinance({ apiKey, secret });
});

afterEach(async () => {
  await fake.close();
});

describe('binanceusdm against the fake', () => {
  it('loads markets with one exchangeInfo call and real precision/limits', async () => {
    const ex = usdm(fake);
    await ex.loadMarkets();
    await ex.loadMarkets();
    expect(fake.count('/fapi/v1/exchangeInfo')).toBe(1);
    expect(fake.requests.map((r) => r.path)).toEqual(['/fapi/v1/exchangeInfo']);

    const m = ex.market(FUT);
    expect(m.id).toBe('BTCUSDT');
    expect(m.swap && m.linear).toBe(true);
    expect(m.settle).toBe('USDT');
    expect(m.precision.amount).toBe(0.001);
    expect(m.precision.price).toBe(0.1);
    expect(m.limits.amount).toEqual({ min: 0.001, max: 1000 });
    expect(m.limits.cost?.min).toBe(100);
    expect(m.limits.price?.min).toBe(0.1);
    expect(ex.market('ETH/USDT:USDT').limits.cost?.min).toBe(20);
    expect(ex.amountToPrecision(FUT, 0.0129)).toBe('0.012');
    expect(ex.priceToPrecision(FUT, 61234.567)).toBe('61234.6'); // ccxt rounds prices, truncates amounts
  });

  it('serves OHLCV honouring limit, interval and since, deterministically', async () => {
    const ex = usdm(fake);
    const candles = await ex.fetchOHLCV(FUT, '1h', undefined, 5);
    expect(candles).toHaveLength(5);
    for (let i = 1; i < candles.length; i++) expect(Number(candles[i]?.[0]) - Number(candles[i - 1]?.[0])).toBe(3_600_000);
    const last = candles[4];
    expect(last?.[4]).toBe(60000); // the live candle closes at the current price
    for (const [, o, h, l, c] of candles) {
      expect(Number(h)).toBeGreaterThanOrEqual(Math.max(Number(o), Number(c)));
      expect(Number(l)).toBeLessThanOrEqual(Math.min(Number(o), Number(c)));
    }

    const since = Date.UTC(2024, 0, 1, 0, 30);
    const a = await ex.fetchOHLCV(FUT, '15m', since, 10);
    const b = await ex.fetchOHLCV(FUT, '15m', since, 10);
    expect(a).toHaveLength(10);
    expect(a[0]?.[0]).toBe(since);
    expect(a).toEqual(b);
    const q = fake.requests.filter((r) => r.path === '/fapi/v1/klines').at(-1)?.query;
    expect(q).toMatchObject({ symbol: 'BTCUSDT', interval: '15m', limit: '10', startTime: String(since) });
  });

  it('uses a custom klines function when given', async () => {
    await fake.close();
    fake = await startFakeBinance({
      apiKey,
      secret,
      klines: (symbol, interval, limit) => Array.from({ length: limit }, (_, i) => [i * 60_000, 1, 2, 0.5, 1.5, 10 + i]),
    });
    const ex = usdm(fake);
    const rows = await ex.fetchOHLCV('ETH/USDT:USDT', '1m', undefined, 3);
    expect(rows).toEqual([[0, 1, 2, 0.5, 1.5, 10], [60_000, 1, 2, 0.5, 1.5, 11], [120_000, 1, 2, 0.5, 1.5, 12]]);
  });

  it('fetchTicker follows setPrice', async () => {
    const ex = usdm(fake);
    expect((await ex.fetchTicker(FUT)).last).toBe(60000);
    fake.setPrice(FUT, 61000.5);
    const t = await ex.fetchTicker(FUT);
    expect(t.last).toBe(61000.5);
    expect(t.symbol).toBe(FUT);
    expect(fake.count('/fapi/v1/ticker/24hr')).toBe(2);
  });

  it('fetchBalance reads /fapi/v3/account', async () => {
    const ex = usdm(fake);
    const bal = await ex.fetchBalance();
    expect(bal['USDT']).toMatchObject({ free: 10000, used: 0, total: 10000 });
    const r = fake.requests.find((x) => x.path === '/fapi/v3/account');
    expect(r?.signed).toBe(true);
    expect(r?.status).toBe(200);
  });

  it('records setLeverage, fills market orders and reports the position', async () => {
    const ex = usdm(fake);
    await ex.setLeverage(10, FUT);
    expect(fake.leverage['BTCUSDT']).toBe(10);
    expect(fake.requests.find((r) => r.path === '/fapi/v1/leverage')?.body).toMatchObject({ symbol: 'BTCUSDT', leverage: '10' });

    const order = await ex.createOrder(FUT, 'market', 'buy', 0.01, undefined, { clientOrderId: 'entry-1' });
    expect(order).toMatchObject({ status: 'closed', filled: 0.01, average: 60000, clientOrderId: 'entry-1', side: 'buy' });
    expect(fake.orders[0]).toMatchObject({
      market: 'futures', symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.01, status: 'FILLED',
      reduceOnly: false, clientOrderId: 'entry-1', algo: false,
    });

    fake.setPrice(FUT, 61000);
    const positions = await ex.fetchPositions([FUT]);
    expect(positions).toHaveLength(1);
    expect(positions[0]).toMatchObject({ symbol: FUT, side: 'long', contracts: 0.01, entryPrice: 60000, markPrice: 61000, unrealizedPnl: 10 });
    expect(fake.count('/fapi/v1/leverageBracket')).toBe(1);
    expect(fake.count('/fapi/v3/positionRisk')).toBe(1);

    const bal = await ex.fetchBalance();
    expect(bal['USDT']?.total).toBe(10010); // marginBalance = wallet + unrealized PnL
  });

  it('places STOP_MARKET and TAKE_PROFIT_MARKET reduce-only orders through the algo endpoint', async () => {
    const ex = usdm(fake);
    await ex.createOrder(FUT, 'market', 'buy', 0.01);
    const sl = await ex.createOrder(FUT, 'STOP_MARKET', 'sell', 0.01, undefined, { stopPrice: 57000, reduceOnly: true });
    const tp = await ex.createOrder(FUT, 'market', 'sell', 0.01, undefined, { takeProfitPrice: 64000, reduceOnly: true, clientOrderId: 'tp-1' });
    expect(sl).toMatchObject({ status: 'open', triggerPrice: 57000, reduceOnly: true });
    expect(tp).toMatchObject({ status: 'open', triggerPrice: 64000, reduceOnly: true, clientOrderId: 'tp-1' });

    // ccxt 4.5 sends every linear trigger order to POST /fapi/v1/algoOrder (algoType=CONDITIONAL, triggerPrice, clientAlgoId).
    expect(fake.count('POST /fapi/v1/algoOrder')).toBe(2);
    expect(fake.count('POST /fapi/v1/order')).toBe(1);
    const stopReq = fake.requests.find((r) => r.path === '/fapi/v1/algoOrder');
    expect(stopReq?.body).toMatchObject({ algoType: 'CONDITIONAL', type: 'STOP_MARKET', triggerPrice: '57000', reduceOnly: 'true', quantity: '0.01' });

    const algo = fake.orders.filter((o) => o.algo);
    expect(algo).toHaveLength(2);
    expect(algo[0]).toMatchObject({ type: 'STOP_MARKET', side: 'SELL', stopPrice: 57000, reduceOnly: true, status: 'NEW', market: 'futures' });
    expect(algo[1]).toMatchObject({ type: 'TAKE_PROFIT_MARKET', side: 'SELL', stopPrice: 64000, reduceOnly: true, status: 'NEW', clientOrderId: 'tp-1' });

    // Trigger orders are only listed with { trigger: true } (GET /fapi/v1/openAlgoOrders).
    expect(await ex.fetchOpenOrders(FUT)).toHaveLength(0);
    const open = await ex.fetchOpenOrders(FUT, undefined, undefined, { trigger: true });
    expect(open.map((o) => o.id).sort()).toEqual([sl.id, tp.id].sort());
    expect(fake.count('/fapi/v1/openAlgoOrders')).toBe(1);
    expect(fake.count('/fapi/v1/openOrders')).toBe(1);
  });

  it('accepts closePosition stops and triggers them when the price crosses', async () => {
    const ex = usdm(fake);
    await ex.createOrder(FUT, 'market', 'buy', 0.02);
    // amount is ignored with closePosition: ccxt sends no quantity.
    await ex.createOrder(FUT, 'STOP_MARKET', 'sell', 0, undefined, { stopPrice: 58000, closePosition: true });
    const stop = fake.orders.find((o) => o.algo);
    expect(stop).toMatchObject({ closePosition: true, reduceOnly: false, quantity: 0 });

    fake.setPrice(FUT, 57900);
    expect(stop?.status).toBe('FILLED');
    const child = fake.orders.find((o) => o.id === stop?.triggeredOrderId);
    expect(child).toMatchObject({ type: 'MARKET', side: 'SELL', quantity: 0.02, status: 'FILLED', reduceOnly: true, parentId: stop?.id });
    expect(await ex.fetchPositions([FUT])).toHaveLength(0);
    expect(fake.futuresWallet['USDT']).toBeCloseTo(10000 - 0.02 * 2100, 6);
  });

  it('cancels regular and trigger orders', async () => {
    const ex = usdm(fake);
    const limit = await ex.createOrder(FUT, 'limit', 'buy', 0.01, 50000);
    expect(limit.status).toBe('open');
    const open = await ex.fetchOpenOrders(FUT);
    expect(open.map((o) => o.id)).toEqual([limit.id]);
    const canceled = await ex.cancelOrder(idOf(limit), FUT);
    expect(canceled.status).toBe('canceled');
    expect(fake.orders.find((o) => String(o.id) === limit.id)?.status).toBe('CANCELED');

    await ex.createOrder(FUT, 'market', 'buy', 0.01);
    const sl = await ex.createOrder(FUT, 'market', 'sell', 0.01, undefined, { stopLossPrice: 55000, reduceOnly: true });
    await ex.cancelOrder(idOf(sl), FUT, { trigger: true });
    expect(fake.count('DELETE /fapi/v1/algoOrder')).toBe(1);
    expect(fake.orders.find((o) => String(o.id) === sl.id)?.status).toBe('CANCELED');

    const err = await rejection(ex.cancelOrder(idOf(limit), FUT));
    expect(err).toBeInstanceOf(ccxt.OrderNotFound);
  });

  it('maps a wrong secret to AuthenticationError (-1022) and a wrong key to AuthenticationError (-2015)', async () => {
    const bad = usdm(fake, { apiKey, secret: 'not-the-secret' });
    const err = await rejection(bad.fetchBalance());
    expect(err).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(err)).toContain('-1022');
    expect(fake.requests.at(-1)).toMatchObject({ path: '/fapi/v3/account', status: 400, signed: true });

    const badKey = usdm(fake, { apiKey: 'other-key', secret });
    const err2 = await rejection(badKey.fetchBalance());
    expect(err2).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(err2)).toContain('-2015');
  });

  it('rejects quantities the filters forbid, with the classes ccxt maps them to', async () => {
    const ex = usdm(fake);
    // Below the 0.001 step: ccxt truncates to 0 and throws InvalidOrder before sending anything.
    const below = await rejection(ex.createOrder(FUT, 'market', 'buy', 0.0004));
    expect(below).toBeInstanceOf(ccxt.InvalidOrder);
    expect(fake.count('POST /fapi/v1/order')).toBe(0);

    // Sent raw (implicit API), the fake answers like Binance futures: -1111 precision → BadRequest.
    const raw = await rejection(ex.fapiPrivatePostOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.0015' }));
    expect(raw).toBeInstanceOf(ccxt.BadRequest);
    expect(String(raw)).toContain('-1111');

    // Notional under MIN_NOTIONAL (100 USDT): -4164 → InvalidOrder.
    const small = await rejection(ex.createOrder(FUT, 'market', 'buy', 0.001));
    expect(small).toBeInstanceOf(ccxt.InvalidOrder);
    expect(String(small)).toContain('-4164');

    // More than 10000 USDT * 20x leverage: -2019 → InsufficientFunds.
    const big = await rejection(ex.createOrder(FUT, 'market', 'buy', 4));
    expect(big).toBeInstanceOf(ccxt.InsufficientFunds);

    // Reduce-only without a position: -2022 → InvalidOrder.
    const ro = await rejection(ex.createOrder(FUT, 'market', 'sell', 0.01, undefined, { reduceOnly: true }));
    expect(ro).toBeInstanceOf(ccxt.InvalidOrder);
    expect(fake.orders).toHaveLength(0);
  });

  it('rejects a stop that would trigger immediately and legacy stop types on /fapi/v1/order', async () => {
    const ex = usdm(fake);
    await ex.createOrder(FUT, 'market', 'buy', 0.01);
    const now = await rejection(ex.createOrder(FUT, 'STOP_MARKET', 'sell', 0.01, undefined, { stopPrice: 61000, reduceOnly: true }));
    expect(now).toBeInstanceOf(ccxt.OrderImmediatelyFillable);

    // Binance moved conditional orders to the algo service; /fapi/v1/order answers -4120 (unmapped → ExchangeError).
    const legacy = await rejection(ex.fapiPrivatePostOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_MARKET', stopPrice: '55000', quantity: '0.01', reduceOnly: 'true' }));
    expect(legacy).toBeInstanceOf(ccxt.ExchangeError);
    expect(String(legacy)).toContain('-4120');
  });

  it('rejects a clientOrderId that is already used by an open order', async () => {
    const ex = usdm(fake);
    await ex.createOrder(FUT, 'limit', 'buy', 0.01, 50000, { clientOrderId: 'dup-1' });
    const err = await rejection(ex.createOrder(FUT, 'limit', 'buy', 0.01, 50000, { clientOrderId: 'dup-1' }));
    expect(err).toBeInstanceOf(ccxt.InvalidOrder);
    expect(String(err)).toContain('-4116');
    // Binance only requires uniqueness among open orders: a filled id can be reused.
    await ex.createOrder(FUT, 'market', 'buy', 0.01, undefined, { clientOrderId: 'filled-1' });
    await ex.createOrder(FUT, 'market', 'buy', 0.01, undefined, { clientOrderId: 'filled-1' });
    expect(fake.orders.filter((o) => o.clientOrderId === 'filled-1')).toHaveLength(2);
  });

  it('answers unknown endpoints with 404 and a log line', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const ex = usdm(fake);
    const err = await rejection(ex.fapiPublicGetFundingRate({ symbol: 'BTCUSDT' }));
    expect(err).toBeInstanceOf(ccxt.ExchangeError);
    expect(fake.requests.at(-1)).toMatchObject({ path: '/fapi/v1/fundingRate', status: 404 });
    expect(warn).toHaveBeenCalledWith('[fake-binance] no handler for GET /fapi/v1/fundingRate');
    warn.mockRestore();
  });
});

describe('binance spot against the fake', () => {
  it('loads spot markets with one call and no sapi', async () => {
    const ex = spot(fake);
    await ex.loadMarkets();
    expect(fake.count('/api/v3/exchangeInfo')).toBe(1);
    expect(fake.requests).toHaveLength(1);
    const m = ex.market('BTC/USDT');
    expect(m.precision).toMatchObject({ amount: 0.00001, price: 0.01 });
    expect(m.limits.cost?.min).toBe(5);
    expect(ex.symbols).toEqual(['BTC/USDT', 'ETH/USDT']);
  });

  it('fetches OHLCV, ticker, balance and trades', async () => {
    const ex = spot(fake);
    expect(await ex.fetchOHLCV('ETH/USDT', '1d', undefined, 7)).toHaveLength(7);
    expect((await ex.fetchTicker('ETH/USDT')).last).toBe(3000);
    const before = await ex.fetchBalance();
    expect(before['USDT']?.free).toBe(10000);
    expect(before['BTC']?.free).toBe(1);

    const buy = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.01);
    expect(buy).toMatchObject({ status: 'closed', filled: 0.01, cost: 600 });
    const limit = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 50000, { clientOrderId: 'spot-limit' });
    expect(limit.status).toBe('open');
    const after = await ex.fetchBalance();
    expect(after['USDT']).toMatchObject({ free: 10000 - 600 - 500, used: 500 });
    expect(after['BTC']?.free).toBe(1.01);

    expect((await ex.fetchOpenOrders('BTC/USDT')).map((o) => o.clientOrderId)).toEqual(['spot-limit']);
    const dup = await rejection(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 50000, { clientOrderId: 'spot-limit' }));
    expect(dup).toBeInstanceOf(ccxt.InvalidOrder); // -2010 Duplicate order sent.
    await ex.cancelOrder(idOf(limit), 'BTC/USDT');
    expect((await ex.fetchBalance())['USDT']?.used).toBe(0);
    expect(fake.orders.map((o) => [o.market, o.type, o.status])).toEqual([['spot', 'MARKET', 'FILLED'], ['spot', 'LIMIT', 'CANCELED']]);
  });

  it('maps reduceOnly on spot (-1106) to BadRequest, not InvalidOrder', async () => {
    const ex = spot(fake);
    const err = await rejection(ex.createOrder('BTC/USDT', 'market', 'sell', 0.01, undefined, { reduceOnly: true }));
    // ccxt's binance table maps -1106 to BadRequest; BadRequest and InvalidOrder are siblings under ExchangeError.
    expect(err).toBeInstanceOf(ccxt.BadRequest);
    expect(err).not.toBeInstanceOf(ccxt.InvalidOrder);
    expect(String(err)).toContain("Parameter 'reduceOnly' sent when not required.");
    expect(fake.requests.at(-1)?.body['reduceOnly']).toBe('true');
  });

  it('maps LOT_SIZE, insufficient balance and a wrong secret to ccxt classes', async () => {
    const ex = spot(fake);
    const below = await rejection(ex.createOrder('BTC/USDT', 'market', 'buy', 0.000004));
    expect(below).toBeInstanceOf(ccxt.InvalidOrder); // client side: truncated to 0
    const raw = await rejection(ex.privatePostOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.000015' }));
    expect(raw).toBeInstanceOf(ccxt.InvalidOrder); // -1013 Filter failure: LOT_SIZE
    const poor = await rejection(ex.createOrder('BTC/USDT', 'market', 'buy', 1));
    expect(poor).toBeInstanceOf(ccxt.InsufficientFunds); // -2010 Account has insufficient balance ...

    const bad = spot(fake, { apiKey, secret: 'wrong' });
    const auth = await rejection(bad.fetchBalance());
    expect(auth).toBeInstanceOf(ccxt.AuthenticationError);
  });

  it('fills a resting limit when setPrice crosses it', async () => {
    const ex = spot(fake);
    const o = await ex.createOrder('ETH/USDT', 'limit', 'sell', 1, 3100);
    fake.setPrice('ETH/USDT', 3150);
    const fetched = await ex.fetchOrder(idOf(o), 'ETH/USDT');
    expect(fetched).toMatchObject({ status: 'closed', filled: 1, average: 3100 });
    expect((await ex.fetchBalance())['ETH']?.total).toBe(9);
  });
});

describe('testnet and demo trading in this ccxt version', () => {
  it('setSandboxMode(true) is accepted but signed futures calls throw NotSupported before any request', async () => {
    const ex = usdm(fake);
    expect(() => ex.setSandboxMode(true)).not.toThrow();
    expect(ex.urls['api']['fapiPrivate']).toBe('https://testnet.binancefuture.com/fapi/v1');
    const err = await rejection(ex.fetchBalance());
    expect(err).toBeInstanceOf(ccxt.NotSupported);
    expect(String(err)).toContain('demo trading');
    // Only the public exchangeInfo went out, addressed to the old testnet host.
    expect(fake.requests.map((r) => [r.host, r.path])).toEqual([['testnet.binancefuture.com', '/fapi/v1/exchangeInfo']]);
    expect(() => ex.enableDemoTrading(true)).toThrow(ccxt.NotSupported);
  });

  it('enableDemoTrading(true) routes futures and spot to demo-*.binance.com with production error mapping', async () => {
    const fut = new ccxt.binanceusdm({ apiKey, secret, enableRateLimit: false, options: { fetchMargins: false } });
    fut.enableDemoTrading(true);
    routeToFake(fut, fake.url);
    expect(fut.urls['api']['fapiPrivate']).toBe('https://demo-fapi.binance.com/fapi/v1');
    expect(fut.urls['api']['fapiPrivateV3']).toBe('https://demo-fapi.binance.com/fapi/v3');
    expect(fut.urls['api']['sapi']).toBeUndefined();

    expect((await fut.fetchBalance())['USDT']?.free).toBe(10000);
    const small = await rejection(fut.createOrder(FUT, 'market', 'buy', 0.001));
    expect(small).toBeInstanceOf(ccxt.InvalidOrder); // -4164 mapped via the demo-fapi prefix
    expect(new Set(fake.requests.map((r) => r.host))).toEqual(new Set(['demo-fapi.binance.com']));
    expect(fake.requests.some((r) => r.path.startsWith('/sapi'))).toBe(false);

    const sp = new ccxt.binance({ apiKey, secret, enableRateLimit: false, options: { fetchMarkets: { types: ['spot'] } } });
    sp.enableDemoTrading(true);
    expect(sp.urls['api']['private']).toBe('https://demo-api.binance.com/api/v3');
    routeToFake(sp, fake.url);
    await sp.fetchBalance();
    expect(fake.requests.at(-1)).toMatchObject({ host: 'demo-api.binance.com', path: '/api/v3/account', status: 200 });
  });
});
