// @ts-check
/**
 * Entry point of the Express example: one PublisherClient and one SQLite opt-out store for the process,
 * the app from app.mjs, and a graceful shutdown on SIGTERM/SIGINT: stop accepting, let open requests
 * finish, then close the client (its connections) and the store (its file).
 *
 *   node examples/express/server.mjs      (UID2_* variables: see README.md)
 */
import { once } from 'node:events';
import { PublisherClient } from 'uid2-publisher';
import { SqliteOptOutStore } from 'uid2-publisher/sqlite';
import { isMainModule, operatorFromEnv, optOutStoreFromEnv, startOrExit } from '../shared/config.mjs';
import { createApp } from './app.mjs';

/** How long open requests may take to finish after SIGTERM before the process gives up on them. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Listens on `host:port` and returns a `stop` that shuts everything down in order.
 * @param {{ client: PublisherClient, optOuts: { close(): unknown }, port?: number, host?: string,
 *   log?: (line: string) => void }} options
 */
export async function startServer({ client, optOuts, port = 0, host = '127.0.0.1', log }) {
  const server = createApp({ client, ...(log ? { log } : {}) }).listen(port, host);
  await once(server, 'listening');
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      const closed = once(server, 'close');
      server.close(); // no new connections; idle keep-alive ones are closed, busy ones finish first
      server.closeIdleConnections();
      await closed;
      await client.close();
      await optOuts.close();
    })());
  return { url: `http://${host}:${address.port}`, stop };
}

if (isMainModule(import.meta.url)) {
  const operator = operatorFromEnv('express');
  const { url, stop } = await startOrExit('express', async () => {
    const optOuts = new SqliteOptOutStore(optOutStoreFromEnv());
    const client = new PublisherClient({ ...operator, optOuts });
    return startServer({
      client,
      optOuts,
      port: Number(process.env.PORT ?? 8080),
      host: process.env.HOST ?? '127.0.0.1',
    });
  });
  process.stdout.write(`express example on ${url}\n`);
  const shutdown = async () => {
    process.stdout.write('shutting down: no new connections, finishing open requests\n');
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    await stop();
    process.stdout.write('stopped\n');
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
