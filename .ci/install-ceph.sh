#!/usr/bin/env bash
# Installs Debian's Ceph RGW stack (mon, osd, radosgw) and awscli for the S3 tests.
# Idempotent: exits at once when everything is already installed. Run as root.
set -euo pipefail

PKGS=(radosgw ceph-mon ceph-osd awscli)

missing=()
for p in "${PKGS[@]}"; do
  # dpkg-query prints the status only for packages known to dpkg; "install ok installed" means done.
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "[install-ceph] already installed: ${PKGS[*]}"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "[install-ceph] must run as root to install: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "[install-ceph] installing: ${missing[*]}"
start=$SECONDS
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"
echo "[install-ceph] done in $((SECONDS - start)) s"

for b in radosgw ceph-mon ceph-osd radosgw-admin monmaptool ceph /usr/bin/aws; do
  command -v "$b" >/dev/null || { echo "[install-ceph] missing after install: $b" >&2; exit 1; }
done
