#!/usr/bin/env bash
# Package checks, after `npm run build`: publint --strict (package.json fields against the files) and
# @arethetypeswrong/cli under its default (strictest) profile: every entry point must resolve to the
# right types and format for node10, node16 from CommonJS and from ESM, and bundlers. Packs once, without
# running prepack (the build is already there), and prints the tarball's size and file count.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npx --no-install publint --strict
tarball="$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)"
npx --no-install attw "$work/$tarball" --summary
files="$(tar -tzf "$work/$tarball" | grep -vc '/$')"
maps="$(tar -tzf "$work/$tarball" | grep -c '\.map$' || true)"
echo "package: $tarball, $(wc -c <"$work/$tarball") bytes packed, $files files, $maps source maps"
[ "$maps" -eq 0 ] || { echo "check-package: the tarball ships source maps without their sources" >&2; exit 1; }
