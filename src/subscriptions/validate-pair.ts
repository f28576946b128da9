import { invalid, shown } from '../errors.js';
import { hasControlChars } from '../text/control-chars.js';

// A ccxt unified symbol: BASE/QUOTE (spot), BASE/QUOTE:SETTLE (perpetual swap),
// BASE/QUOTE:SETTLE-YYMMDD (future), BASE/QUOTE:SETTLE-YYMMDD-STRIKE-C|P (option).
// Checked for shape only: whether the exchange lists the market is the broker's question, with markets loaded.
const currency = '[A-Z0-9][A-Z0-9_.]{0,23}';
const unifiedSymbol = new RegExp(`^${currency}/${currency}(?::${currency}(?:-\\d{6}(?:-\\d+(?:\\.\\d+)?-[CP])?)?)?$`);

export function validatePair(value: string): string {
  const pair = value.trim();
  // Surrounding blanks are forgiven; control characters (a newline from $(cat …)) are not.
  if (unifiedSymbol.test(pair) && !hasControlChars(value)) return pair;
  const upper = pair.toUpperCase();
  const suggestion = unifiedSymbol.test(upper)
    ? ` Did you mean ${upper}?`
    : /^[A-Z0-9]{5,}$/.test(upper) && !upper.includes('/')
      ? ' ccxt unified symbols separate base and quote with a slash.'
      : '';
  throw invalid(
    `Expected \`--pair\` to be a ccxt unified symbol such as BTC/USDT (spot) or BTC/USDT:USDT (perpetual), got ${shown(value)}.${suggestion}`,
  );
}
