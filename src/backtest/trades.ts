// Round trips from fills: a trade opens when the position leaves zero and closes when it returns there. Entry and
// exit prices are the averages of the fills that opened and closed it; its P&L is what closing realised, less every
// fee it paid. A fill that flips the position closes one trade and opens the next with the rest.
import type { Fill } from './paper-book.js';

export interface Trade {
  side: 'long' | 'short';
  entryTime: number;
  exitTime: number | null;
  entryPrice: number;
  exitPrice: number | null;
  /** The largest position the trade held, in base units (contracts × contract size). */
  amount: number;
  fees: number;
  /** Realised, net of fees; for a trade still open at the end, marked at the last price. */
  pnl: number;
  /** pnl against the entry notional, in percent. */
  returnPct: number;
}

export function tradesOf(fills: readonly Fill[], contractSize: number, lastPrice: number): Trade[] {
  const trades: Trade[] = [];
  let position = 0;
  let open: (Trade & { entered: number; exited: number; exitNotional: number; entryNotional: number }) | undefined;
  for (const fill of fills) {
    let qty = fill.amount * contractSize;
    const signed = fill.side === 'buy' ? 1 : -1;
    let feeLeft = fill.fee;
    while (qty > 1e-12) {
      if (position === 0 || Math.sign(position) === signed) {
        open ??= { side: signed > 0 ? 'long' : 'short', entryTime: fill.time, exitTime: null, entryPrice: 0, exitPrice: null, amount: 0, fees: 0, pnl: 0, returnPct: 0, entered: 0, exited: 0, exitNotional: 0, entryNotional: 0 };
        open.entered += qty;
        open.entryNotional += qty * fill.price;
        open.fees += feeLeft;
        position += signed * qty;
        open.amount = Math.max(open.amount, Math.abs(position));
        break;
      }
      const closing = Math.min(qty, Math.abs(position));
      const share = closing / qty;
      const fee = feeLeft * share;
      feeLeft -= fee;
      qty -= closing;
      position += signed * closing;
      if (!open) break;
      open.exited += closing;
      open.exitNotional += closing * fill.price;
      open.fees += fee;
      if (Math.abs(position) < 1e-12) {
        position = 0;
        trades.push(finish(open, fill.time));
        open = undefined;
      }
    }
  }
  if (open) {
    // Still open at the end: the rest is marked at the last price, not realised.
    const rest = open.entered - open.exited;
    open.exitNotional += rest * lastPrice;
    open.exited += rest;
    trades.push({ ...finish(open, null), exitPrice: null });
  }
  return trades;
}

function finish(t: Trade & { entered: number; exited: number; exitNotional: number; entryNotional: number }, exitTime: number | null): Trade {
  const entryPrice = t.entryNotional / t.entered;
  const exitPrice = t.exitNotional / t.exited;
  const gross = (t.side === 'long' ? 1 : -1) * (exitPrice - entryPrice) * t.exited;
  const pnl = gross - t.fees;
  return {
    side: t.side, entryTime: t.entryTime, exitTime, entryPrice: round(entryPrice), exitPrice: round(exitPrice), amount: round(t.amount),
    fees: round(t.fees), pnl: round(pnl), returnPct: round((pnl / t.entryNotional) * 100),
  };
}

const round = (x: number) => Number(x.toFixed(8));
