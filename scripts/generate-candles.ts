// Generates the recorded market data under data/candles/ that paper mode replays offline.
// SYNTHETIC: no network is reachable where this project is built, so these are not real candles. They come
// from a seeded geometric Brownian motion with regime changes (up-trend, down-trend, range) and volatility
// clustering, at realistic BTC/ETH price levels, volumes and Binance market rules. Deterministic: running it
// again writes the same bytes. The series' end is bent back onto its start, so it can be replayed in a loop.
//   npm run build && node dist/scripts/generate-candles.js
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedFile, RecordedMarket } from '../src/broker/market-data.js';
import { packageRoot } from '../src/package-root.js';

const rows = 2000; // 15-minute candles: about 21 days, 500 hourly candles
const timeframe = '15m';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

interface Regime {
  drift: number;
  length: number;
}

// Shared shocks make ETH follow BTC (correlation ≈ 0.8), as it does.
function shocks(seed: number): { market: number[]; regimes: Regime[] } {
  const random = mulberry32(seed);
  const market = Array.from({ length: rows }, () => gaussian(random));
  const regimes: Regime[] = [];
  for (let covered = 0; covered < rows; ) {
    const kind = random();
    const drift = kind < 0.35 ? 0.0002 : kind < 0.7 ? -0.0002 : 0;
    const length = 120 + Math.floor(random() * 280);
    regimes.push({ drift, length });
    covered += length;
  }
  return { market, regimes };
}

function series(seed: number, start: number, sigma: number, correlation: number, shared: ReturnType<typeof shocks>): RecordedFile['candles'] {
  const random = mulberry32(seed);
  const returns: number[] = [];
  let variance = sigma * sigma;
  let regimeIndex = 0;
  let regimeLeft = shared.regimes[0]?.length ?? rows;
  for (let i = 0; i < rows; i++) {
    if (regimeLeft-- <= 0) {
      regimeIndex++;
      regimeLeft = (shared.regimes[regimeIndex]?.length ?? rows) - 1;
    }
    const z = correlation * (shared.market[i] ?? 0) + Math.sqrt(1 - correlation * correlation) * gaussian(random);
    const r = (shared.regimes[regimeIndex]?.drift ?? 0) * (sigma / 0.0025) + Math.sqrt(variance) * z;
    // GARCH(1,1)-like clustering around sigma².
    variance = 0.05 * sigma * sigma + 0.1 * r * r + 0.85 * variance;
    returns.push(r);
  }
  // Bend the end back onto the start so the replay loops without a jump.
  const mean = returns.reduce((a, b) => a + b, 0) / rows;
  const candles: RecordedFile['candles'] = [];
  const decimals = start >= 1000 ? 2 : 4;
  const fix = (x: number) => Number(x.toFixed(decimals));
  let close = start;
  for (const r of returns) {
    const open = close;
    close = open * Math.exp(r - mean);
    const wick = () => Math.abs(gaussian(random)) * sigma * 0.6;
    const high = Math.max(open, close) * (1 + wick());
    const low = Math.min(open, close) * (1 - wick());
    const volume = (2_000_000 / start) * (0.6 + Math.abs(r) / sigma) * Math.exp(0.3 * gaussian(random));
    candles.push([fix(open), fix(high), fix(low), fix(close), Number(volume.toFixed(3))]);
  }
  return candles;
}

const btcRules: Record<'spot' | 'swap', RecordedMarket> = {
  spot: { id: 'BTCUSDT', amountStep: 0.00001, priceTick: 0.01, minAmount: 0.00001, maxAmount: 9000, minCost: 5, taker: 0.001, maker: 0.001 },
  swap: { id: 'BTCUSDT', amountStep: 0.001, priceTick: 0.1, minAmount: 0.001, maxAmount: 1000, minCost: 100, taker: 0.0005, maker: 0.0002, maxLeverage: 125 },
};
const ethRules: Record<'spot' | 'swap', RecordedMarket> = {
  spot: { id: 'ETHUSDT', amountStep: 0.0001, priceTick: 0.01, minAmount: 0.0001, maxAmount: 9000, minCost: 5, taker: 0.001, maker: 0.001 },
  swap: { id: 'ETHUSDT', amountStep: 0.001, priceTick: 0.01, minAmount: 0.001, maxAmount: 10000, minCost: 20, taker: 0.0005, maker: 0.0002, maxLeverage: 100 },
};

const note = 'SYNTHETIC data from scripts/generate-candles.ts (seeded GBM with regime changes), not real market history.';
const shared = shocks(20240101);
const files: RecordedFile[] = [
  { synthetic: true, note, exchange: 'binance', symbol: 'BTC/USDT', timeframe, markets: btcRules, candles: series(1, 60_000, 0.0025, 1, shared) },
  { synthetic: true, note, exchange: 'binance', symbol: 'ETH/USDT', timeframe, markets: ethRules, candles: series(2, 3_000, 0.0032, 0.8, shared) },
];

const dir = join(packageRoot, 'data', 'candles');
mkdirSync(dir, { recursive: true });
for (const file of files) {
  const path = join(dir, `${file.exchange}-${file.symbol.replace('/', '')}-${file.timeframe}.json`);
  // One candle per line: small diffs when the generator changes, and readable.
  const { candles, ...header } = file;
  const body = `${JSON.stringify(header).slice(0, -1)},"candles":[\n${candles.map((c) => JSON.stringify(c)).join(',\n')}\n]}\n`;
  writeFileSync(path, body);
  process.stdout.write(`${path}: ${candles.length} candles, ${body.length} bytes\n`);
}
