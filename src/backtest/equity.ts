// The account's value at every slot: the balances and position it held then (the snapshot after the last fill at or
// before the slot), marked at the last price known at the slot's time. Spot: quote + base × price. Contracts: the
// wallet in the settle currency plus the position's unrealised P&L.
import type { MarketInterface } from 'ccxt';
import type { AccountSnapshot } from './paper-book.js';

export interface EquityPoint {
  time: number;
  price: number;
  equity: number;
  /** Position in base units, signed: exposure time counts the slots where it is not 0. */
  position: number;
}

export function equityCurve(snapshots: readonly AccountSnapshot[], market: MarketInterface, points: readonly { time: number; price: number }[]): EquityPoint[] {
  const out: EquityPoint[] = [];
  const sorted = [...snapshots].sort((a, b) => a.time - b.time);
  let k = 0;
  const size = market.contractSize ?? 1;
  for (const { time, price } of points) {
    while (k + 1 < sorted.length && (sorted[k + 1]?.time ?? Infinity) <= time) k++;
    const s = sorted[k];
    if (!s) continue;
    let equity: number;
    let position: number;
    if (market.contract) {
      const p = s.positions[market.symbol];
      position = (p?.amount ?? 0) * size;
      equity = (s.balances[market.settle ?? market.quote] ?? 0) + (p ? p.amount * (price - p.entryPrice) * size : 0);
    } else {
      position = s.balances[market.base] ?? 0;
      equity = (s.balances[market.quote] ?? 0) + position * price;
    }
    out.push({ time, price, equity: Number(equity.toFixed(8)), position });
  }
  return out;
}
