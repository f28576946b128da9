#!/usr/bin/env bash
# Installs Debian's Ceph RGW stack (mon, osd, radosgw) and awscli for the S3 tests.
# Idempotent: exits at once when everything is already installed. Run as root.
set -euo pipefail
tag=install-ceph
source "$(dirname "$0")/apt.sh"

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
  echo "[$tag] already installed: ${PKGS[*]}"
  exit 0
fi

apt_install "${missing[@]}"
require_commands radosgw ceph-mon ceph-osd radosgw-admin monmaptool ceph /usr/bin/aws
