// @ts-check
/**
 * Example: a mobile app's back end (node:http, no framework) that signs users in with UID2.
 *
 *   POST /login             {"email": "..."} or {"phone": "+1..."}
 *                           -> 200 the identity JSON for the app's UID2 SDK, or {"optout":true}
 *   POST /identity/refresh  the identity JSON -> 200 the same or a new identity JSON, {"optout":true},
 *                           or 401 {"error":"sign_in_again"} (expired or refused refresh token)
 *
 * Opt-outs are remembered by the client's opt-out store (here SQLite: one file, keyed by an HMAC of the
 * DII hash, never the email): a remembered user is answered `optout` with no request to the operator,
 * as UID2 requires. A refresh that answers `optout` is remembered for the user who owned the identity.
 * Every answer comes from one mapping (../shared/answers.mjs).
 *
 * Run it:  UID2_BASE_URL=... UID2_API_KEY=... UID2_SECRET_KEY=... node examples/mobile-backend/server.mjs
 * (`npx uid2-publisher operator` prints the three variables for a local operator.)
 */
import { createServer } from 'node:http';
import { PublisherClient } from 'uid2-publisher';
import { SqliteOptOutStore } from 'uid2-publisher/sqlite';
import { answerFor, REQUEST_ANSWERS } from '../shared/answers.mjs';
import { isMainModule, operatorFromEnv, optOutStoreFromEnv, startOrExit } from '../shared/config.mjs';
import { createIdentityService } from '../shared/identity-service.mjs';

const MAX_BODY_BYTES = 16 * 1024;

/** @param {import('node:http').IncomingMessage} req @returns {Promise<string | undefined>} undefined when too large */
async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {import('../shared/answers.mjs').HttpAnswer} answer
 */
function send(res, { status, body, retryAfterSeconds }) {
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  res.writeHead(
    status,
    retryAfterSeconds === undefined ? headers : { ...headers, 'retry-after': String(retryAfterSeconds) },
  );
  res.end(body);
}

/**
 * The back end around a PublisherClient (which should have an `optOuts` store).
 * @param {{ client: PublisherClient, onOutcome?: (outcome: import('../shared/identity-service.mjs').Outcome) => void }} options
 */
export function createMobileBackend({ client, onOutcome }) {
  const service = createIdentityService({ client, ...(onOutcome ? { onOutcome } : {}) });

  /** @type {Record<string, (text: string) => Promise<unknown>>} */
  const routes = {
    'POST /login': async (text) => service.login(JSON.parse(text)),
    'POST /identity/refresh': async (text) => service.refresh(text),
  };

  return createServer(async (req, res) => {
    const route = routes[`${req.method} ${req.url}`];
    if (!route) return send(res, REQUEST_ANSWERS.notFound);
    const text = await readBody(req).catch(() => undefined);
    if (text === undefined) return send(res, REQUEST_ANSWERS.tooLarge);
    try {
      send(res, answerFor(await route(text)));
    } catch (err) {
      if (err instanceof SyntaxError) return send(res, REQUEST_ANSWERS.invalidJson);
      send(res, answerFor(err));
    }
  });
}

/**
 * Starts the back end on 127.0.0.1.
 * @param {{ client: PublisherClient, port?: number, onOutcome?: (outcome: import('../shared/identity-service.mjs').Outcome) => void }} options
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startMobileBackend({ client, port = 0, onOutcome }) {
  const server = createMobileBackend({ client, ...(onOutcome ? { onOutcome } : {}) });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

// Run directly: serve on PORT (default 8080) against the operator named by the UID2_* variables.
if (isMainModule(import.meta.url)) {
  const operator = operatorFromEnv('mobile-backend');
  const { client, optOuts, backend } = await startOrExit('mobile-backend', async () => {
    const optOuts = new SqliteOptOutStore(optOutStoreFromEnv());
    const client = new PublisherClient({ ...operator, optOuts });
    return {
      client,
      optOuts,
      backend: await startMobileBackend({ client, port: Number(process.env.PORT ?? 8080) }),
    };
  });
  process.stdout.write(`mobile back end on ${backend.url}\n`);
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(signal, async () => {
      await backend.close(); // stops accepting; open requests finish
      await client.close();
      await optOuts.close();
    });
  }
}
