#!/usr/bin/env bash
# Offline tour: the five template bots in paper mode, priced from the recorded candles in data/candles/
# (a SYNTHETIC series, see scripts/generate-candles.ts), no network needed. Each subscription runs once at
# once through `botctl run`; then botd runs them all on their schedule until every one has had a scheduled
# run, and the runs, signals and simulated orders are listed.
#   npm run demo            (home: .botctl-demo/, recreated each time; BOTCTL_HOME=DIR to choose another)
set -euo pipefail
cd "$(dirname "$0")/.."
# `npm install` has just built dist/ (prepare): build again only when a source is newer than the build.
if [ ! -e dist/bin/botctl.js ] || [ -n "$(find src bot_files scripts migrations -name '*.ts' -newer dist/bin/botctl.js -print -quit)" ]; then
  npm run build
fi
if [ -z "${BOTCTL_HOME:-}" ]; then
  export BOTCTL_HOME="$PWD/.botctl-demo"
  rm -rf "$BOTCTL_HOME"
fi
export BOTCTL_MARKET_DATA=recorded
botctl() { node bin/botctl.js "$@"; }
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

for template in simple_sma_bot binance_futures_bot universal_futures_bot binance_signals_bot binance_futures_rpa_bot; do
  botctl create --template "$template" --name "$template" --exchange binanceusdm >/dev/null
done
# The rule bot gets a playbook that enters at once, so the tour shows a protected paper position.
playbook='{"timeframe":"15m","rules":[
  {"name":"demo-entry","position":"flat","when":{"left":"close","op":">","right":0},"action":"open_long","size_pct":10,"stop_loss_pct":2,"take_profit_pct":4},
  {"name":"take-profit-on-strength","position":"long","when":{"left":"rsi_14","op":">","right":75},"action":"close"}]}'
# Every minute, so the tour sees botd fire each of them within a minute.
every='* * * * *'
botctl subscribe simple_sma_bot --name sma --pair BTC/USDT --schedule "$every" --config '{"timeframe":"15m"}' >/dev/null
botctl subscribe binance_futures_bot --name trend --pair BTC/USDT:USDT --schedule "$every" >/dev/null
botctl subscribe universal_futures_bot --name universal --pair ETH/USDT:USDT --schedule "$every" >/dev/null
botctl subscribe binance_signals_bot --name signals --pair ETH/USDT:USDT --schedule "$every" --config '{"emit":"every_run"}' >/dev/null
botctl subscribe binance_futures_rpa_bot --name rules --pair BTC/USDT:USDT --schedule "$every" --config "$playbook" >/dev/null

say botctl subscriptions
botctl subscriptions
for sub in sma trend universal signals rules; do
  say botctl run "$sub"
  botctl run "$sub" || true
done

say "botd start   # until each subscription has had one scheduled run (at most ~70 s)"
log="$BOTCTL_HOME/botd.log"
node bin/botd.js start --concurrency 2 >"$log" 2>&1 &
botd=$!
trap 'kill "$botd" 2>/dev/null || true' EXIT
shown=0
for _ in $(seq 1 140); do
  sleep 0.5
  # Print botd's JSON log lines for finished runs as they come.
  total=$(grep -c '"msg":"run finished"' "$log" || true)
  if [ "$total" -gt "$shown" ]; then
    grep '"msg":"run finished"' "$log" | tail -n +"$((shown + 1))" | head -n "$((total - shown))"
    shown=$total
  fi
  [ "$shown" -ge 5 ] && break
done
kill -TERM "$botd"
wait "$botd" || true
trap - EXIT
echo "botd stopped: $(tail -n 1 "$log")"

say botctl runs
botctl runs
say botctl signals
botctl signals
say botctl orders
botctl orders
say botctl usage
botctl usage
