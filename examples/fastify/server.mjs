// @ts-check
/**
 * Entry point of the Fastify example: one client and one SQLite opt-out store for the process, and
 * `app.close()` on SIGTERM/SIGINT (stop accepting, finish open requests, then the plugin's `onClose`
 * closes the client and the store).
 *
 *   node examples/fastify/server.mjs      (UID2_* variables: see README.md)
 */
import { PublisherClient } from 'uid2-publisher';
import { SqliteOptOutStore } from 'uid2-publisher/sqlite';
import { isMainModule, operatorFromEnv, optOutStoreFromEnv, startOrExit } from '../shared/config.mjs';
import { buildApp } from './app.mjs';

if (isMainModule(import.meta.url)) {
  const operator = operatorFromEnv('fastify');
  const app = await startOrExit('fastify', async () => {
    const optOuts = new SqliteOptOutStore(optOutStoreFromEnv());
    const client = new PublisherClient({ ...operator, optOuts });
    const app = await buildApp({ client, optOuts, logger: true });
    await app.listen({ port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1' });
    return app;
  });
  const shutdown = async () => {
    setTimeout(() => process.exit(1), 10_000).unref();
    await app.close();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
