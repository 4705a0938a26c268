// ES module consumer of the installed tarball: every entry point imports, and a generate, a refresh
// and a typed error against the local operator.
import { PublisherClient, parseIdentity, Uid2Error } from 'uid2-publisher';
import { RedisOptOutStore } from 'uid2-publisher/redis';
import { SqliteOptOutStore } from 'uid2-publisher/sqlite';
import { startLocalOperator } from 'uid2-publisher/testing';

if (typeof SqliteOptOutStore !== 'function' || typeof RedisOptOutStore !== 'function') {
  throw new Error('esm: a store entry point did not export its class');
}
const op = await startLocalOperator();
const client = new PublisherClient({ baseUrl: op.url, apiKey: op.apiKey, secretKey: op.secretKey });
try {
  const generated = await client.generateToken({ email: 'smoke@example.com' });
  if (generated.status !== 'success') throw new Error(`esm generate: ${generated.status}`);
  const refreshed = await client.refreshToken(parseIdentity(generated.identityJson));
  if (refreshed.status !== 'success') throw new Error(`esm refresh: ${refreshed.status}`);
  const bad = await client.generateToken({ email: 'nope' }).catch((err) => err);
  if (!(bad instanceof Uid2Error) || bad.code !== 'UID2_INVALID_INPUT')
    throw new Error('esm: no typed error');
  console.log('smoke esm: import of 4 entry points, generate, refresh, typed error OK');
} finally {
  await client.close();
  await op.close();
}
