// @ts-check
/**
 * Example: a mobile app's back end (node:http, no framework) that signs users in with UID2.
 *
 *   POST /login             {"email": "..."} or {"phone": "+1..."}
 *                           -> 200 identity JSON for the app's UID2 SDK, or {"optout": true}
 *   POST /identity/refresh  the identity JSON -> 200 new identity JSON, or {"optout": true},
 *                           or 401 {"error": "sign_in_again"} (expired or invalid refresh token)
 *
 * Opted-out users are remembered (by the hash UID2 itself uses, never the raw email) and are not sent
 * to generate again, as the UID2 docs require. A real back end would keep the opt-out set and the
 * session map in its database; here they live in memory.
 *
 * Run it alone:  UID2_BASE_URL=... UID2_API_KEY=... UID2_SECRET_KEY=... node examples/mobile-backend/server.mjs
 */
import { createServer } from 'node:http';
import { hashEmail, hashPhone, isUid2Error, PublisherClient, parseIdentity } from 'uid2-publisher';

const MAX_BODY = 16 * 1024;

/**
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<string>}
 */
async function readBody(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_BODY) throw new Error('body too large');
  }
  return text;
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} json
 */
function send(res, status, json) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(json);
}

/**
 * The opt-out key of a sign-in: the UID2 hash of the normalised email or phone.
 * @param {{ email?: unknown, phone?: unknown }} body
 */
function userKey(body) {
  if (typeof body.email === 'string')
    return { input: { email: body.email }, key: `e:${hashEmail(body.email)}` };
  if (typeof body.phone === 'string')
    return { input: { phone: body.phone }, key: `p:${hashPhone(body.phone)}` };
  return undefined;
}

/**
 * Creates the back end around a PublisherClient.
 * @param {{ client: PublisherClient }} options
 */
export function createMobileBackend({ client }) {
  /** Users who opted out: never sent to generate again. */
  const optedOut = new Set();
  /** Which user each issued refresh token belongs to, so a refresh-time opt-out is remembered too. */
  const userOfRefreshToken = new Map();
  const counts = { logins: 0, generateCalls: 0, refreshes: 0, optOutsRemembered: 0 };

  /** @param {string} key */
  function rememberOptOut(key) {
    if (!optedOut.has(key)) counts.optOutsRemembered++;
    optedOut.add(key);
  }

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  async function login(req, res) {
    counts.logins++;
    const who = userKey(JSON.parse(await readBody(req)));
    if (!who) return send(res, 400, '{"error":"email_or_phone_required"}');
    if (optedOut.has(who.key)) return send(res, 200, '{"optout":true}');
    counts.generateCalls++;
    const result = await client.generateToken(who.input);
    if (result.status === 'optout') {
      rememberOptOut(who.key);
      return send(res, 200, '{"optout":true}');
    }
    if (result.status !== 'success') return send(res, 200, '{"consent":false}');
    userOfRefreshToken.set(result.identity.refresh_token, who.key);
    return send(res, 200, result.identityJson);
  }

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  async function refresh(req, res) {
    counts.refreshes++;
    const identity = parseIdentity(await readBody(req));
    const key = userOfRefreshToken.get(identity.refresh_token);
    const result = await client.refreshToken(identity);
    userOfRefreshToken.delete(identity.refresh_token);
    switch (result.status) {
      case 'success':
        if (key) userOfRefreshToken.set(result.identity.refresh_token, key);
        return send(res, 200, result.identityJson);
      case 'optout':
        if (key) rememberOptOut(key);
        return send(res, 200, '{"optout":true}');
      default:
        return send(res, 401, '{"error":"sign_in_again"}');
    }
  }

  const server = createServer((req, res) => {
    const route = `${req.method} ${req.url}`;
    const handler =
      route === 'POST /login' ? login : route === 'POST /identity/refresh' ? refresh : undefined;
    if (!handler) return send(res, 404, '{"error":"not_found"}');
    handler(req, res).catch((err) => {
      // Only codes and fixed words go back: a Uid2Error never carries secrets, but say no more than needed.
      if (isUid2Error(err) && (err.code === 'UID2_INVALID_INPUT' || err.code === 'UID2_INVALID_IDENTITY')) {
        return send(res, 400, JSON.stringify({ error: err.code }));
      }
      if (err instanceof SyntaxError) return send(res, 400, '{"error":"invalid_json"}');
      return send(res, 502, JSON.stringify({ error: isUid2Error(err) ? err.code : 'internal' }));
    });
  });

  return { server, counts, isOptedOut: (/** @type {string} */ key) => optedOut.has(key) };
}

/**
 * Starts the back end on 127.0.0.1.
 * @param {{ client: PublisherClient, port?: number }} options
 * @returns {Promise<{ url: string, counts: ReturnType<typeof createMobileBackend>['counts'], close: () => Promise<void> }>}
 */
export async function startMobileBackend({ client, port = 0 }) {
  const backend = createMobileBackend({ client });
  await new Promise((resolve) => backend.server.listen(port, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (backend.server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    counts: backend.counts,
    close: () =>
      new Promise((resolve) => {
        backend.server.closeAllConnections();
        backend.server.close(() => resolve());
      }),
  };
}

// Run directly: serve on PORT (default 8080) against the operator named by the UID2_* variables.
if (import.meta.url === `file://${process.argv[1]}`) {
  const client = new PublisherClient({
    baseUrl: process.env.UID2_BASE_URL ?? '',
    apiKey: process.env.UID2_API_KEY ?? '',
    secretKey: process.env.UID2_SECRET_KEY ?? '',
  });
  const backend = await startMobileBackend({ client, port: Number(process.env.PORT ?? 8080) });
  process.stdout.write(`mobile back end on ${backend.url}\n`);
}
