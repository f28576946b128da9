#!/usr/bin/env bash
# Installs systemd-analyze (Debian package `systemd`) for the test that verifies `botd service`'s unit.
# Idempotent: exits at once when it is already installed. Run as root.
set -euo pipefail
tag=install-systemd
source "$(dirname "$0")/apt.sh"

if command -v systemd-analyze >/dev/null; then
  echo "[$tag] already installed: $(command -v systemd-analyze)"
  exit 0
fi
apt_install systemd
require_commands systemd-analyze
