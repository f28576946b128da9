// Klines for the fake Binance that make binance_futures_bot's defaults go long: an hourly uptrend at each
// symbol's current price in +1‰/−0.5‰ steps (RSI ≈ 67, close above its EMAs), the last closed candle an
// up step, the forming candle closing at the current price. Wicks are 1/6 of a step around the body.
const hour = 3_600_000;

export function uptrendKlines(priceOf: (symbol: string) => number) {
  return (symbol: string, interval: string, limit: number): number[][] => {
    if (interval !== '1h') throw new Error(`uptrendKlines serves 1h candles, not ${interval}`);
    const price = priceOf(symbol);
    const step = price / 1000;
    const current = Math.floor(Date.now() / hour) * hour;
    const closes = [0];
    for (let j = 1; j < limit; j++) closes.push((closes[j - 1] ?? 0) + ((limit - 2 - j) % 2 === 0 ? step : -step / 2));
    const shift = price - (closes[limit - 1] ?? 0);
    return closes.map((c, j) => {
      const close = c + shift;
      const open = j === 0 ? close : (closes[j - 1] ?? 0) + shift;
      return [current - (limit - 1 - j) * hour, open, Math.max(open, close) + step / 6, Math.min(open, close) - step / 6, close, 50];
    });
  };
}
