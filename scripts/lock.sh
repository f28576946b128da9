#!/usr/bin/env bash
# Rewrites package-lock.json so that `npm ci` accepts it on every platform.
#
# Why: npm 11.19, run where node_modules exists, writes a lock without the other platforms' optional
# packages (rollup's @rollup/rollup-<os>-<cpu>), and `npm ci` then refuses it ("Missing: … from lock
# file"). Resolved from package.json and the old lock alone, in an empty folder, npm keeps them all.
#
# Usage, from the repository root:
#   scripts/lock.sh                 # after `npm install <pkg>` or an edit of package.json
#   scripts/lock.sh zod@4.7.0       # or let it add/upgrade the dependency itself
# then `npm ci` to bring node_modules in line with the new lock.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json "$work/"
[ -e package-lock.json ] && cp package-lock.json "$work/"
# --ignore-scripts: nothing is installed, and `prepare` (the build) would fail outside the repository.
(cd "$work" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund "$@")
cp "$work/package.json" "$work/package-lock.json" .
missing=$(node -e '
  const lock = require("./package-lock.json");
  const need = Object.keys(lock.packages["node_modules/rollup"]?.optionalDependencies ?? {});
  console.log(need.filter((name) => !lock.packages[`node_modules/${name}`]).join(" "));
')
if [ -n "$missing" ]; then echo "lock.sh: still missing from the lock: $missing" >&2; exit 1; fi
echo "package-lock.json rewritten with every platform's optional packages; run \`npm ci\` next."
