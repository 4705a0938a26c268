#!/usr/bin/env bash
# Reduced benchmark run for CI: checks that every benchmark runs and that no request fails.
# Asserts no speed (CI machines are shared and noisy). Takes seconds. Called by .ci/run after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/index.js ]; then
  npm run build
fi
exec node bench/run.mjs --quick
