#!/usr/bin/env bash
# Offline tour: the five template bots in paper mode, priced from the recorded candles in data/candles/
# (SYNTHETIC series, see scripts/generate-candles.ts), no network needed. Each subscription runs once
# through the runner botd uses; then the runs, the signals and the simulated orders are listed.
#   npm run demo            (home: .botctl-demo/, recreated each time; BOTCTL_HOME=DIR to choose another)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BOTCTL_HOME:-}" ]; then
  export BOTCTL_HOME="$PWD/.botctl-demo"
  rm -rf "$BOTCTL_HOME"
fi
export BOTCTL_MARKET_DATA=recorded
botctl() { node bin/botctl.js "$@"; }
say() { printf '\n\033[1m$ botctl %s\033[0m\n' "$*"; }

for template in simple_sma_bot binance_futures_bot universal_futures_bot binance_signals_bot binance_futures_rpa_bot; do
  botctl create --template "$template" --name "$template" --exchange binanceusdm >/dev/null
done
# The rule bot gets a playbook that enters at once, so the tour shows a protected paper position.
playbook='{"timeframe":"15m","rules":[
  {"name":"demo-entry","position":"flat","when":{"left":"close","op":">","right":0},"action":"open_long","size_pct":10,"stop_loss_pct":2,"take_profit_pct":4},
  {"name":"take-profit-on-strength","position":"long","when":{"left":"rsi_14","op":">","right":75},"action":"close"}]}'
botctl subscribe simple_sma_bot --name sma --pair BTC/USDT --schedule '*/15 * * * *' --config '{"timeframe":"15m"}' >/dev/null
botctl subscribe binance_futures_bot --name trend --pair BTC/USDT:USDT --schedule '0 * * * *' >/dev/null
botctl subscribe universal_futures_bot --name universal --pair ETH/USDT:USDT --schedule '*/15 * * * *' >/dev/null
botctl subscribe binance_signals_bot --name signals --pair ETH/USDT:USDT --schedule '0 * * * *' --config '{"emit":"every_run"}' >/dev/null
botctl subscribe binance_futures_rpa_bot --name rules --pair BTC/USDT:USDT --schedule '*/15 * * * *' --config "$playbook" >/dev/null

say subscriptions
botctl subscriptions
for sub in sma trend universal signals rules; do
  say run "$sub"
  botctl run "$sub" || true
done
say runs
botctl runs
say signals
botctl signals
say orders
botctl orders
