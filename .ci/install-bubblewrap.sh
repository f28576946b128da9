#!/usr/bin/env bash
# Installs bubblewrap (bwrap), the OS sandbox around every child that runs bot code (src/sandbox/), so the
# security tests run with it in force. util-linux (setpriv) is part of every Debian install.
# Idempotent: exits at once when it is already installed. Run as root.
set -euo pipefail
tag=install-bubblewrap
source "$(dirname "$0")/apt.sh"

if command -v bwrap >/dev/null; then
  echo "[$tag] already installed: $(command -v bwrap) ($(bwrap --version))"
  exit 0
fi
apt_install bubblewrap
require_commands bwrap setpriv
