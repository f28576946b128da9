# Sourced by the .ci/install-*.sh scripts, after they set `tag` (their name in messages): the root check, Debian's
# non-interactive install, and the check that what a script needs is there afterwards.

# Exits 1 unless root, naming what would have been installed.
need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "[$tag] must run as root to install: $*" >&2
    exit 1
  fi
}

# Installs Debian packages (no recommends, quietly) and says how long it took.
apt_install() {
  need_root "$@"
  echo "[$tag] installing: $*"
  export DEBIAN_FRONTEND=noninteractive
  local start=$SECONDS
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "$@"
  echo "[$tag] done in $((SECONDS - start)) s"
}

# Exits 1 naming the first of these commands that is not on PATH.
require_commands() {
  for b in "$@"; do
    command -v "$b" >/dev/null || { echo "[$tag] missing after install: $b" >&2; exit 1; }
  done
}
