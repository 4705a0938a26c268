// @ts-check
/**
 * Builds the Fastify instance: the client plugin, then the routes. `fastify.close()` stops the server
 * and then runs `onClose`, which closes the client and the store.
 */
import Fastify from 'fastify';
import { identityRoutes, uid2Client } from './plugin.mjs';

/**
 * @param {{ client: import('uid2-publisher').PublisherClient, optOuts?: { close(): unknown },
 *   logger?: boolean, onOutcome?: (outcome: import('../shared/identity-service.mjs').Outcome) => void }} options
 */
export async function buildApp({ client, optOuts, logger = false, onOutcome }) {
  // An identity JSON is under 2 KB; anything much larger is not one.
  const app = Fastify({ logger, bodyLimit: 16 * 1024 });
  await app.register(uid2Client, { client, ...(optOuts ? { optOuts } : {}) });
  await app.register(identityRoutes, onOutcome ? { onOutcome } : {});
  return app;
}
