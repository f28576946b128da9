#!/usr/bin/env bash
# Installs promtool, which test/metrics/botd-observe.e2e.test.ts runs as `promtool check metrics` on a scrape
# of botd's /metrics. Only the promtool binary is taken from Debian's `prometheus` package (19 MB download):
# installing the package would also install (and try to start) a Prometheus server and its web assets (96 MB).
# Idempotent: exits at once when promtool is on PATH. Run as root.
set -euo pipefail
tag=install-promtool
source "$(dirname "$0")/apt.sh"

if command -v promtool >/dev/null; then
  echo "[$tag] already installed: $(command -v promtool)"
  exit 0
fi
need_root promtool
start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
apt-get update -qq
# apt's sandbox user must be able to write the download folder.
chmod 0777 "$work"
(cd "$work" && apt-get download -qq prometheus)
dpkg-deb -x "$work"/prometheus_*.deb "$work/x"
install -m 0755 "$work/x/usr/bin/promtool" /usr/local/bin/promtool
echo "[$tag] done in $((SECONDS - start)) s: $(promtool --version 2>&1 | head -1)"
