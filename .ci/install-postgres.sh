#!/usr/bin/env bash
# Installs Debian's PostgreSQL server binaries for the tests that run a real PostgreSQL
# (test/support/postgres.ts: initdb into a temporary folder, its own server on a free 127.0.0.1 port).
# The packaged cluster and service are not used: the tests never touch /var/lib/postgresql, and on a
# machine without systemd running nothing is started. Idempotent: exits at once when installed. Run as root.
set -euo pipefail

has_binaries() { compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; }

if has_binaries; then
  echo "[install-postgres] already installed: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "[install-postgres] must run as root to install: postgresql" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
start=$SECONDS
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 postgresql
echo "[install-postgres] done in $((SECONDS - start)) s"
has_binaries || { echo "[install-postgres] missing after install: /usr/lib/postgresql/*/bin/pg_ctl" >&2; exit 1; }
id postgres >/dev/null || { echo "[install-postgres] missing after install: the postgres user (the tests run the server as it when root)" >&2; exit 1; }
