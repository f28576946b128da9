#!/usr/bin/env bash
# Installs systemd-analyze (Debian package `systemd`) for the test that verifies `botd service`'s unit.
# Idempotent: exits at once when it is already installed. Run as root.
set -euo pipefail

if command -v systemd-analyze >/dev/null; then
  echo "[install-systemd] already installed: $(command -v systemd-analyze)"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "[install-systemd] must run as root to install: systemd" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
start=$SECONDS
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 systemd
echo "[install-systemd] done in $((SECONDS - start)) s"
command -v systemd-analyze >/dev/null || { echo "[install-systemd] systemd-analyze missing after install" >&2; exit 1; }
