// Market rules as recorded beside candles (steps, ticks, minimums, fees), and the ccxt market they stand for. The
// demo files in data/candles, imported recordings and the candle store all carry them in this form.
import type { MarketInterface } from 'ccxt';

export interface RecordedMarket {
  id: string;
  amountStep: number;
  priceTick: number;
  minAmount: number;
  maxAmount: number;
  minCost: number;
  taker: number;
  maker: number;
  maxLeverage?: number;
}

/** Spot 'BTC/USDT' and its perpetual 'BTC/USDT:USDT' from one recording's rules. */
export function toMarket(file: { symbol: string; markets: Partial<Record<'spot' | 'swap', RecordedMarket>> }, kind: 'spot' | 'swap'): MarketInterface {
  const r = file.markets[kind] ?? genericRules[kind];
  const [base = '', quote = ''] = file.symbol.split('/');
  const swap = kind === 'swap';
  return {
    id: r.id || file.symbol.replace('/', ''), symbol: swap ? `${file.symbol}:${quote}` : file.symbol, base, quote, settle: swap ? quote : undefined,
    baseId: base, quoteId: quote, settleId: swap ? quote : undefined,
    type: kind, spot: !swap, margin: false, swap, future: false, option: false, index: undefined, active: true,
    contract: swap, linear: swap ? true : undefined, inverse: swap ? false : undefined, contractSize: swap ? 1 : undefined,
    expiry: undefined, expiryDatetime: undefined, strike: undefined, optionType: undefined,
    taker: r.taker, maker: r.maker, percentage: true, tierBased: false, feeSide: 'get',
    precision: { amount: r.amountStep, price: r.priceTick, cost: undefined, base: undefined, quote: undefined },
    limits: {
      amount: { min: r.minAmount, max: r.maxAmount },
      price: { min: r.priceTick, max: undefined },
      cost: { min: r.minCost, max: undefined },
      leverage: { min: 1, max: swap ? (r.maxLeverage ?? 125) : undefined },
    },
    marginModes: { cross: swap, isolated: swap },
    created: undefined,
    info: {},
  } as unknown as MarketInterface;
}

// For candles that came without market rules (a CSV import): Binance's rules for BTC/USDT spot and its perpetual,
// apart from the maximum amount. `botctl data list` says which series use them.
export const genericRules: Record<'spot' | 'swap', RecordedMarket> = {
  spot: { id: '', amountStep: 0.00001, priceTick: 0.01, minAmount: 0.00001, maxAmount: 1e9, minCost: 5, taker: 0.001, maker: 0.001 },
  swap: { id: '', amountStep: 0.001, priceTick: 0.1, minAmount: 0.001, maxAmount: 1e9, minCost: 5, taker: 0.0005, maker: 0.0002, maxLeverage: 125 },
};
