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
# Bold headings only on a terminal, and never with NO_COLOR (or FORCE_COLOR=0); botctl and botd decide the same way.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${FORCE_COLOR:-}" != 0 ]; then
  say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
  colour=1
else
  say() { printf '\n$ %s\n' "$*"; }
  colour=0
fi

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

say "botd start   # until each subscription has had one scheduled run (about a minute)"
log="$BOTCTL_HOME/botd.log"
# botd writes to a file here, so it is told to write its readable lines (subscription names, status, duration)
# rather than JSON, in colour only when the tour itself is on a terminal.
FORCE_COLOR=$colour node bin/botd.js start --concurrency 2 --log-format pretty >"$log" 2>&1 &
botd=$!
trap 'kill "$botd" 2>/dev/null || true' EXIT
shown=0
# The log's complete lines: botd may be half-way through writing the last one.
complete() { if [ -n "$(tail -c 1 "$log")" ]; then sed '$d' "$log"; else cat "$log"; fi; }
# The next minute's slot, then five runs two at a time: about a minute. The limit only catches a botd that
# is stuck: two minutes, the old limit, cut the tour short at load 13 (three of five had run), and the loop
# ends as soon as all five have run, however fast that is.
SECONDS=0
while [ "$SECONDS" -lt 600 ]; do
  sleep 0.5
  # One read of botd's finished-run lines per pass, for what is printed and what is counted alike: counted
  # from a later read, a line that arrived in between ended the tour without being printed (seen under load).
  lines=$(complete | grep 'run finished' || true)
  total=$(printf '%s' "$lines" | grep -c 'run finished' || true)
  # Print them as they come, until every subscription has one (a catch-up run may come first for some).
  if [ "$total" -gt "$shown" ]; then
    printf '%s\n' "$lines" | tail -n +"$((shown + 1))"
    shown=$total
  fi
  # Colour codes aside, when the tour is on a terminal.
  named=$(printf '%s\n' "$lines" | sed 's/\x1b\[[0-9;]*m//g' | sed -nE 's/.*run finished  ([^ ]+) \([0-9]+\)  run [0-9]+ .*/\1/p' | sort -u | wc -l)
  [ "$named" -ge 5 ] && break
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
