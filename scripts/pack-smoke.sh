#!/usr/bin/env bash
# Consumer smoke test: pack the package as npm would publish it, install the tarball into an empty
# project (a CommonJS one, as `npm init -y` makes), and use it the way a publisher would:
#   - ES module import of every entry point, generate, refresh, a typed error (pack-smoke/esm.mjs);
#   - CommonJS require() of every entry point, generate and refresh, one module instance shared with
#     import() (`instanceof Uid2Error` across both), the SQLite store on a real file, a generate over
#     HTTPS against the TLS local operator (pack-smoke/cjs.cjs); nothing on stderr (Node 20.19+ loads the ES module build through require(esm) without a warning);
#   - TypeScript consumers type-checking the shipped declarations with skipLibCheck off: node16 as
#     ES module and as CommonJS, nodenext (.ts and .cts), bundler, node10 (pack-smoke/consumer.ts);
#   - the CLI's --help and the demo.
# Catches a wrong "exports", "files", "bin" or declaration that tests run from source cannot see.
# Needs `npm run build` first. The only download is what npm installs for the tarball's own
# dependencies; TypeScript, @types/node and the optional peers (better-sqlite3, redis, selfsigned)
# are linked in from this repository's node_modules, as a publisher would have installed them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
here="$root/scripts/pack-smoke"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

tarball="$(cd "$root" && npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)"
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "./$tarball"

# After the install, which would prune anything it did not put there itself.
mkdir -p node_modules/@types
for dep in better-sqlite3 redis @redis selfsigned @types/node @types/better-sqlite3; do
  [ -e "$root/node_modules/$dep" ] && ln -s "$root/node_modules/$dep" "node_modules/$dep"
done

echo "== ES module consumer"
cp "$here/esm.mjs" "$here/cjs.cjs" .
node esm.mjs

echo "== CommonJS consumer"
node cjs.cjs 2>cjs.stderr
if [ -s cjs.stderr ]; then
  echo "pack-smoke: require() printed on stderr:" >&2
  cat cjs.stderr >&2
  exit 1
fi

echo "== TypeScript consumers (skipLibCheck off)"
tsc="$root/node_modules/.bin/tsc"
# typecheck NAME PACKAGE_TYPE MODULE RESOLUTION FILE...: one project per resolution mode.
typecheck() {
  local name="$1" type="$2" module="$3" resolution="$4"
  shift 4
  mkdir "ts-$name"
  printf '{ "name": "ts-%s", "private": true, "type": "%s" }\n' "$name" "$type" >"ts-$name/package.json"
  for file in "$@"; do cp "$here/consumer.ts" "ts-$name/$file"; done
  cat >"ts-$name/tsconfig.json" <<JSON
{
  "compilerOptions": {
    "module": "$module", "moduleResolution": "$resolution", "target": "ES2022", "lib": ["ES2023"],
    "types": ["node"], "strict": true, "exactOptionalPropertyTypes": true, "skipLibCheck": false,
    "noEmit": true
  },
  "include": ["*.ts", "*.cts", "*.mts"]
}
JSON
  "$tsc" -p "ts-$name"
  echo "typescript $name ($type package, module $module, resolution $resolution): OK"
}
typecheck node16-esm module node16 node16 consumer.ts
typecheck node16-cjs commonjs node16 node16 consumer.ts
typecheck nodenext module nodenext nodenext consumer.ts consumer.cts
typecheck bundler module esnext bundler consumer.ts
# The legacy resolution older CommonJS projects still use: types through typesVersions.
typecheck node10 commonjs commonjs node10 consumer.ts

echo "== command line"
npx --no-install uid2-publisher --help | head -n 1
npx --no-install uid2-publisher demo | tail -n 1
echo "pack-smoke: OK ($tarball)"
