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
# The issue-12 distance bench at a reduced size (one RTT, a few calls): checks that TLS through the
# delaying proxy works for every client; figures meaningless.
node bench/distance.mjs --quick > /dev/null
# Issue 10: store lookups, sealing and generate with each store (starts its own redis-server).
node bench/state.mjs --quick > /dev/null
# Issue 8: rejecting oversized inputs of each kind (a smaller input than the recorded 100 MB run).
INPUT_BYTES=1048576 RUNS=3 node bench/input-bounds.mjs > /dev/null
