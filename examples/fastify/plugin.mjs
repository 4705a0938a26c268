// @ts-check
/**
 * The Fastify 5 version of the mobile back end, as two plugins:
 *
 * - `uid2Client` (wrapped in `fastify-plugin`, so the decoration is visible to the whole app):
 *   decorates the instance with the process's one `PublisherClient` as `fastify.uid2`, and closes it,
 *   then its opt-out store, in `onClose` (which `fastify.close()` runs on shutdown).
 * - `identityRoutes` (encapsulated): `POST /login` and `POST /identity/refresh` with JSON-schema
 *   validated bodies, answering through the same mapping as every example (../shared/answers.mjs).
 */
import fp from 'fastify-plugin';
import { Uid2Error } from 'uid2-publisher';
import { answerFor, REQUEST_ANSWERS } from '../shared/answers.mjs';
import { createIdentityService } from '../shared/identity-service.mjs';

/** A sign-in names exactly one of an email or an E.164 phone number. */
const LOGIN_BODY = Object.freeze({
  type: 'object',
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 254 },
    phone: { type: 'string', pattern: '^\\+[0-9]{10,15}$' },
  },
  oneOf: [{ required: ['email'] }, { required: ['phone'] }],
});

/** The identity JSON the app holds: the six fields its SDK needs, timestamps in integer ms. */
const IDENTITY_BODY = Object.freeze({
  type: 'object',
  required: [
    'advertising_token',
    'refresh_token',
    'identity_expires',
    'refresh_from',
    'refresh_expires',
    'refresh_response_key',
  ],
  properties: {
    advertising_token: { type: 'string', minLength: 1, maxLength: 4096 },
    refresh_token: { type: 'string', minLength: 1, maxLength: 4096 },
    identity_expires: { type: 'integer' },
    refresh_from: { type: 'integer' },
    refresh_expires: { type: 'integer' },
    refresh_response_key: { type: 'string', minLength: 44, maxLength: 44 },
  },
});

/** What a request mistake caught by Fastify itself (before any route code) answers, by error code. */
const FRAMEWORK_ANSWERS = new Map([
  ['FST_ERR_CTP_INVALID_JSON_BODY', REQUEST_ANSWERS.invalidJson],
  ['FST_ERR_CTP_EMPTY_JSON_BODY', REQUEST_ANSWERS.invalidJson],
  ['FST_ERR_CTP_INVALID_MEDIA_TYPE', REQUEST_ANSWERS.jsonRequired],
  ['FST_ERR_CTP_BODY_TOO_LARGE', REQUEST_ANSWERS.tooLarge],
]);

/**
 * @param {import('fastify').FastifyReply} reply
 * @param {import('../shared/answers.mjs').HttpAnswer} answer
 */
function send(reply, { status, body, retryAfterSeconds }) {
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
  return reply.code(status).header('cache-control', 'no-store').type('application/json').send(body);
}

/**
 * @typedef {{ client: import('uid2-publisher').PublisherClient, optOuts?: { close(): unknown } }} Uid2ClientOptions
 */

/** @type {import('fastify').FastifyPluginAsync<Uid2ClientOptions>} */
async function decorateClient(fastify, { client, optOuts }) {
  fastify.decorate('uid2', client);
  fastify.addHook('onClose', async () => {
    await client.close(); // after the server stopped accepting and open requests finished
    await optOuts?.close();
  });
}

/** Decorates `fastify.uid2` and closes the client (and store) with the instance. */
export const uid2Client = fp(decorateClient, { name: 'uid2-client', fastify: '5.x' });

/** @type {import('fastify').FastifyPluginAsync<{ onOutcome?: (outcome: import('../shared/identity-service.mjs').Outcome) => void }>} */
export async function identityRoutes(fastify, { onOutcome }) {
  const client = /** @type {import('uid2-publisher').PublisherClient} */ (
    /** @type {{ uid2?: unknown }} */ (fastify).uid2
  );
  const service = createIdentityService({ client, ...(onOutcome ? { onOutcome } : {}) });

  fastify.setErrorHandler((/** @type {import('fastify').FastifyError} */ err, request, reply) => {
    if (err.validation) {
      // A body failing its schema is what the library would have refused: answer as it would.
      const refresh = request.routeOptions.url === '/identity/refresh';
      const code = refresh ? 'UID2_INVALID_IDENTITY' : 'UID2_INVALID_INPUT';
      return send(reply, answerFor(new Uid2Error(code, 'the body does not match its schema')));
    }
    const known = FRAMEWORK_ANSWERS.get(String(err.code));
    if (known) return send(reply, known);
    const answer = answerFor(err);
    // Log the status and code only: an operator message may echo what was sent.
    if (answer.status >= 500)
      request.log.error({ status: answer.status, code: err.code ?? 'internal' }, 'uid2 call failed');
    return send(reply, answer);
  });

  fastify.post('/login', { schema: { body: LOGIN_BODY } }, async (request, reply) =>
    send(reply, answerFor(await service.login(request.body))),
  );
  fastify.post('/identity/refresh', { schema: { body: IDENTITY_BODY } }, async (request, reply) =>
    send(reply, answerFor(await service.refresh(request.body))),
  );
}
