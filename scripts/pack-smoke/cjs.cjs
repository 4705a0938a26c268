// CommonJS consumer of the installed tarball (what `npm init -y` makes): require() of every entry
// point, a generate and a refresh against the local operator, one module instance shared with
// import(), and the SQLite store on a real file.
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const uid2 = require('uid2-publisher');
const { startLocalOperator } = require('uid2-publisher/testing');
const { SqliteOptOutStore } = require('uid2-publisher/sqlite');
const { RedisOptOutStore } = require('uid2-publisher/redis');

function check(ok, what) {
  if (!ok) throw new Error(`smoke cjs: ${what}`);
}

async function main() {
  check(typeof RedisOptOutStore === 'function', 'uid2-publisher/redis exports RedisOptOutStore');
  const op = await startLocalOperator();
  const client = new uid2.PublisherClient({ baseUrl: op.url, apiKey: op.apiKey, secretKey: op.secretKey });
  const dir = mkdtempSync(join(tmpdir(), 'uid2-smoke-'));
  try {
    const generated = await client.generateToken({ email: 'smoke-cjs@example.com' });
    check(generated.status === 'success', `generate answered ${generated.status}`);
    const refreshed = await client.refreshToken(generated.identityJson);
    check(refreshed.status === 'success', `refresh answered ${refreshed.status}`);
    check(refreshed.identity.refresh_token !== generated.identity.refresh_token, 'refresh gave a new token');

    // One module instance: the class objects are the same, so instanceof holds both ways.
    const esm = await import('uid2-publisher');
    const esmTesting = await import('uid2-publisher/testing');
    check(esm.Uid2Error === uid2.Uid2Error, 'require and import give the same Uid2Error');
    check(esmTesting.startLocalOperator === startLocalOperator, 'one instance of uid2-publisher/testing');
    const err = await client.generateToken({ email: 'not an email' }).catch((e) => e);
    check(
      err instanceof esm.Uid2Error && err instanceof uid2.Uid2Error,
      'instanceof across require and import',
    );
    check(err.code === 'UID2_INVALID_INPUT' && uid2.isUid2Error(err), `typed error, got ${err?.code}`);

    const store = new SqliteOptOutStore({
      path: join(dir, 'optouts.db'),
      key: randomBytes(32).toString('base64'),
    });
    const subject = `email:${uid2.hashEmail('smoke-cjs@example.com')}`;
    check((await store.has(subject)) === false, 'a fresh SQLite store is empty');
    await store.add(subject);
    check((await store.has(subject)) === true, 'the SQLite store remembers an opt-out');
    await store.close?.();

    // Over HTTPS: the TLS local operator, and undici (the package's own dependency) trusting its PEM.
    const { Agent } = require('undici');
    const tlsOp = await startLocalOperator({ tls: true });
    const agent = new Agent({ connect: { ca: tlsOp.ca } });
    const tlsClient = new uid2.PublisherClient({
      baseUrl: tlsOp.url,
      apiKey: tlsOp.apiKey,
      secretKey: tlsOp.secretKey,
      dispatcher: agent,
    });
    try {
      check(tlsOp.url.startsWith('https://127.0.0.1:'), `TLS operator URL ${tlsOp.url}`);
      const overTls = await tlsClient.generateToken({ email: 'smoke-tls@example.com' });
      check(overTls.status === 'success', `generate over TLS answered ${overTls.status}`);
    } finally {
      await tlsClient.close();
      await agent.close();
      await tlsOp.close();
    }
    console.log('smoke cjs: require of 4 entry points, generate, refresh, one instance, SQLite, TLS OK');
  } finally {
    await client.close();
    await op.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
