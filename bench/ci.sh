#!/usr/bin/env bash
# Reduced benchmark run for CI: checks that every benchmark runs and that no request fails, then the
# load test at a reduced size.
# Asserts no speed (CI machines are shared and noisy). Takes seconds. Called by .ci/run after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/index.js ]; then
  npm run build
fi
node bench/run.mjs --quick
# The issue-4 load test at a reduced size: every call must succeed with its own identity, sockets and
# heap must return to baseline (exits non-zero otherwise).
node --expose-gc bench/load.mjs --calls 2000 --concurrency 100
