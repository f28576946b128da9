#!/usr/bin/env bash
# Installs bubblewrap (bwrap), the OS sandbox around every child that runs bot code (src/sandbox/), so the
# security tests run with it in force. util-linux (prlimit, setpriv) is part of every Debian install.
# Idempotent: exits at once when it is already installed. Run as root.
set -euo pipefail

if command -v bwrap >/dev/null; then
  echo "[install-bubblewrap] already installed: $(command -v bwrap) ($(bwrap --version))"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "[install-bubblewrap] must run as root to install: bubblewrap" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
start=$SECONDS
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 bubblewrap
echo "[install-bubblewrap] done in $((SECONDS - start)) s"
for b in bwrap prlimit setpriv; do
  command -v "$b" >/dev/null || { echo "[install-bubblewrap] missing after install: $b" >&2; exit 1; }
done
