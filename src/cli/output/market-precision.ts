// Where botctl learns a market's precision (amount step, price tick) to show orders with: the recorded market
// files (data/candles/*.json, or BOTCTL_RECORDED_DATA), which carry the exchange's published rules. Nothing here
// touches the network; a market none of them describes is shown with formatNumber()'s digits.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordedDataDir } from '../../broker/settings.js';

export interface Precision {
  amount?: number;
  price?: number;
}

interface RecordedRules {
  exchange: string;
  symbol: string;
  markets?: { spot?: { amountStep?: number; priceTick?: number }; swap?: { amountStep?: number; priceTick?: number } };
}

let recorded: RecordedRules[] | undefined;

function recordedRules(): RecordedRules[] {
  if (recorded) return recorded;
  const dir = recordedDataDir();
  recorded = [];
  try {
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      try {
        const { exchange, symbol, markets } = JSON.parse(readFileSync(join(dir, name), 'utf8')) as RecordedRules;
        if (typeof exchange === 'string' && typeof symbol === 'string') recorded.push({ exchange, symbol, ...(markets ? { markets } : {}) });
      } catch {
        // Not a market file: it describes nothing.
      }
    }
  } catch {
    // No recorded data on this host.
  }
  return recorded;
}

/**
 * The precision of `symbol` on `exchange` (binanceusdm finds binance's rules), or in paper mode on any recorded
 * market for the symbol, as paper fills are priced from those. Undefined when none describes it.
 */
export function marketPrecision(exchange: string, symbol: string, mode: string): Precision | undefined {
  const spot = symbol.replace(/:.*$/, '');
  const candidates = recordedRules().filter((r) => r.symbol === spot);
  const rules = candidates.find((r) => exchange.startsWith(r.exchange)) ?? (mode === 'paper' ? candidates[0] : undefined);
  const market = rules?.markets?.[symbol.includes(':') ? 'swap' : 'spot'];
  if (!market) return undefined;
  return { ...(market.amountStep ? { amount: market.amountStep } : {}), ...(market.priceTick ? { price: market.priceTick } : {}) };
}
