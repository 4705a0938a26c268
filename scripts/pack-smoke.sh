#!/usr/bin/env bash
# Consumer smoke test: pack the package as npm would publish it, install the tarball into an empty
# project, and use it the way a publisher would: ESM import of both entry points, a generate and a
# refresh against the local operator, the CLI's --help and the demo. Catches a wrong "exports",
# "files" or "bin" that tests run from source cannot see. Needs `npm run build` first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

tarball="$(cd "$root" && npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)"
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "./$tarball"

cat > smoke.mjs <<'JS'
import { PublisherClient, parseIdentity, Uid2Error } from 'uid2-publisher';
import { startLocalOperator } from 'uid2-publisher/testing';

const op = await startLocalOperator();
const client = new PublisherClient({ baseUrl: op.url, apiKey: op.apiKey, secretKey: op.secretKey });
try {
  const generated = await client.generateToken({ email: 'smoke@example.com' });
  if (generated.status !== 'success') throw new Error(`generate: ${generated.status}`);
  const refreshed = await client.refreshToken(parseIdentity(generated.identityJson));
  if (refreshed.status !== 'success') throw new Error(`refresh: ${refreshed.status}`);
  const bad = await client.generateToken({ email: 'nope' }).catch((err) => err);
  if (!(bad instanceof Uid2Error) || bad.code !== 'UID2_INVALID_INPUT') throw new Error('no typed error');
  console.log('smoke: import, generate, refresh and errors OK');
} finally {
  await client.close();
  await op.close();
}
JS
node smoke.mjs
npx --no-install uid2-publisher --help | head -n 1
npx --no-install uid2-publisher demo | tail -n 1
echo "pack-smoke: OK ($tarball)"
