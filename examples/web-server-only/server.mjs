// @ts-check
/**
 * Entry point of the server-only web example: HTTPS with a certificate from TLS_CERT_FILE/TLS_KEY_FILE,
 * or a self-signed one generated at start-up for 127.0.0.1 and localhost (the `selfsigned` package, as
 * the TLS local operator does). One client with a SQLite opt-out store; SIGTERM/SIGINT close it all.
 *
 *   node examples/web-server-only/server.mjs      (variables: see README.md), then open https://localhost:8443
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { PublisherClient } from 'uid2-publisher';
import { SqliteOptOutStore } from 'uid2-publisher/sqlite';
import { isMainModule, operatorFromEnv, optOutStoreFromEnv, startOrExit } from '../shared/config.mjs';
import { createWebApp } from './app.mjs';
import { sealKeysFromEnv, selfSignedCertificate } from './tls-and-keys.mjs';

/**
 * Serves the app over HTTPS on `host:port`.
 * @param {import('./app.mjs').WebAppOptions & { tls: { key: string, cert: string }, port?: number, host?: string }} options
 */
export async function startWebServer({ tls, port = 0, host = '127.0.0.1', ...app }) {
  const server = createServer({ key: tls.key, cert: tls.cert }, createWebApp({ ...app, secure: true }));
  server.listen(port, host);
  await once(server, 'listening');
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `https://${host}:${address.port}`,
    stop: async () => {
      const closed = once(server, 'close');
      server.close();
      server.closeIdleConnections();
      await closed;
    },
  };
}

if (isMainModule(import.meta.url)) {
  const operator = operatorFromEnv('web-server-only');
  const { url, stop } = await startOrExit('web-server-only', async () => {
    const tls =
      process.env.TLS_CERT_FILE && process.env.TLS_KEY_FILE
        ? {
            cert: readFileSync(process.env.TLS_CERT_FILE, 'utf8'),
            key: readFileSync(process.env.TLS_KEY_FILE, 'utf8'),
          }
        : await selfSignedCertificate();
    const optOuts = new SqliteOptOutStore(optOutStoreFromEnv());
    const client = new PublisherClient({ ...operator, optOuts });
    const server = await startWebServer({
      client,
      sealKeys: sealKeysFromEnv(),
      tls,
      port: Number(process.env.PORT ?? 8443),
      host: process.env.HOST ?? '127.0.0.1',
    });
    return {
      url: server.url,
      stop: async () => {
        await server.stop();
        await client.close();
        await optOuts.close();
      },
    };
  });
  process.stdout.write(`web-server-only example on ${url}\n`);
  const shutdown = async () => {
    setTimeout(() => process.exit(1), 10_000).unref();
    await stop();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
