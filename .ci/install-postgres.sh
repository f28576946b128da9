#!/usr/bin/env bash
# Installs Debian's PostgreSQL server binaries for the tests that run a real PostgreSQL
# (test/support/postgres.ts: initdb into a temporary folder, its own server on a free 127.0.0.1 port).
# The packaged cluster and service are not used: the tests never touch /var/lib/postgresql, and on a
# machine without systemd running nothing is started. Idempotent: exits at once when installed. Run as root.
set -euo pipefail
tag=install-postgres
source "$(dirname "$0")/apt.sh"

has_binaries() { compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; }

if has_binaries; then
  echo "[$tag] already installed: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
  exit 0
fi
apt_install postgresql
has_binaries || { echo "[$tag] missing after install: /usr/lib/postgresql/*/bin/pg_ctl" >&2; exit 1; }
id postgres >/dev/null || { echo "[$tag] missing after install: the postgres user (the tests run the server as it when root)" >&2; exit 1; }
