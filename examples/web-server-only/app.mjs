// @ts-check
/**
 * A server-side-only web integration of UID2 (no UID2 script in the browser):
 *
 * - the identity lives in a cookie, sealed (`sealIdentity`: encrypted and authenticated) and bound to
 *   the signed-in user's id, so neither page script nor another user can read or reuse it;
 * - every page view opens it and calls `refreshIfDue` (no request until `refresh_from`), reseals a
 *   refreshed identity, and drops it on opt-out (remembered with `rememberOptOut`, so the next view does
 *   not even ask the operator) or when it is expired, unusable or not this user's (then generates anew);
 * - the advertising token, and only it, is rendered into the page for ad code.
 *
 * A UID2 failure (operator down) never breaks the page: it renders without a token and keeps the cookie.
 */
import { randomBytes } from 'node:crypto';
import { hashEmail, isUid2Error, openIdentity, sealIdentity } from 'uid2-publisher';
import { cookieNames, parseCookies, setCookie } from './cookies.mjs';
import { renderPage } from './page.mjs';

const MAX_FORM_BYTES = 4096;

/** @param {import('node:http').IncomingMessage} req @returns {Promise<URLSearchParams | undefined>} */
async function readForm(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_FORM_BYTES) return undefined;
  }
  return new URLSearchParams(text);
}

/** Whether UID2 accepts `email` (the same check `generateToken` makes). @param {string} email */
function isEmail(email) {
  try {
    hashEmail(email);
    return true;
  } catch {
    return false;
  }
}

/**
 * @typedef {object} WebAppOptions
 * @property {import('uid2-publisher').PublisherClient} client with an `optOuts` store
 * @property {readonly string[]} sealKeys 32-byte secrets, base64; the first seals, any opens (rotation)
 * @property {boolean} [secure] served over TLS (directly or behind a TLS proxy): Secure, `__Host-` cookies. Default true.
 * @property {() => number} [now] epoch ms, for cookie lifetimes. Default Date.now.
 */

/**
 * The request handler (for `https.createServer`).
 * @param {WebAppOptions} options
 */
export function createWebApp({ client, sealKeys, secure = true, now = Date.now }) {
  const names = cookieNames(secure);
  /** Signed-in sessions: random id -> user. A real site keeps these in its session store. */
  /** @type {Map<string, { id: string, email: string }>} */
  const sessions = new Map();
  /** The site's users by email: a stand-in for the user table (and for real sign-in). */
  /** @type {Map<string, { id: string, email: string }>} */
  const users = new Map();

  /** The sealed identity's cookie, kept as long as its refresh token is valid. */
  const identityCookie = (
    /** @type {import('uid2-publisher').Identity} */ identity,
    /** @type {string} */ userId,
  ) =>
    setCookie(names.identity, sealIdentity(identity, { keys: sealKeys, context: userId }), {
      secure,
      maxAgeSeconds: (identity.refresh_expires - now()) / 1000,
    });
  const dropIdentity = setCookie(names.identity, '', { secure, maxAgeSeconds: 0 });

  /**
   * This page view's identity for `user`: the sealed one from the cookie, refreshed if due, or a new one.
   * `cookie` is the one Set-Cookie line to send for the identity, if it changes.
   * @param {{ id: string, email: string }} user
   * @param {string | undefined} sealed
   * @returns {Promise<{ token: string | undefined, note: string, cookie?: string }>}
   */
  async function identityFor(user, sealed) {
    let identity;
    if (sealed !== undefined) {
      try {
        identity = openIdentity(sealed, { keys: sealKeys, context: user.id });
      } catch (err) {
        // Tampered, sealed under a retired key or for another user: never trusted, replaced below.
        if (!isUid2Error(err) || err.code !== 'UID2_INVALID_IDENTITY') throw err;
      }
    }
    if (identity) {
      const refreshed = await client.refreshIfDue(identity);
      switch (refreshed.status) {
        case 'current':
          return { token: refreshed.identity.advertising_token, note: 'identity current' };
        case 'success':
          return {
            token: refreshed.identity.advertising_token,
            note: 'identity refreshed',
            cookie: identityCookie(refreshed.identity, user.id),
          };
        case 'optout':
          // The operator does not say whose token it was; we do: never generate for this user again.
          await client.rememberOptOut({ email: user.email });
          return { token: undefined, note: 'opted out: no identity', cookie: dropIdentity };
        // expired_token, invalid_token: a new identity below replaces it.
      }
    }
    const generated = await client.generateToken({ email: user.email });
    const drop = sealed === undefined ? {} : { cookie: dropIdentity };
    if (generated.status === 'success') {
      const cookie = identityCookie(generated.identity, user.id);
      return { token: generated.identity.advertising_token, note: 'identity generated', cookie };
    }
    if (generated.status === 'optout')
      return {
        token: undefined,
        note: `opted out: no identity${generated.remembered ? ' (remembered)' : ''}`,
        ...drop,
      };
    return { token: undefined, note: 'no consent: no identity', ...drop };
  }

  /** @param {import('node:http').ServerResponse} res @param {string[]} cookies */
  const redirectHome = (res, cookies) => res.writeHead(303, { location: '/', 'set-cookie': cookies }).end();

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @returns {Promise<unknown>}
   */
  return async (req, res) => {
    const cookies = parseCookies(req.headers.cookie);
    const sid = cookies.get(names.session);
    const user = sid === undefined ? undefined : sessions.get(sid);
    const route = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`;
    try {
      if (route === 'GET /') {
        if (!user) {
          const { body, headers } = renderPage({ signedIn: false });
          return res.writeHead(200, headers).end(body);
        }
        let view;
        try {
          view = await identityFor(user, cookies.get(names.identity));
        } catch (err) {
          // UID2 unavailable: the page works, just without a token this time.
          view = {
            token: undefined,
            note: `no identity right now (${isUid2Error(err) ? err.code : 'error'})`,
          };
        }
        const { body, headers } = renderPage({
          signedIn: true,
          advertisingToken: view.token,
          note: view.note,
        });
        return res
          .writeHead(200, view.cookie ? { ...headers, 'set-cookie': view.cookie } : headers)
          .end(body);
      }
      if (route === 'POST /login') {
        const email = (await readForm(req))?.get('email')?.trim();
        if (!email || !isEmail(email))
          return res.writeHead(400, { 'content-type': 'text/plain' }).end('a valid email is required\n');
        const userKey = email.toLowerCase();
        const account = users.get(userKey) ?? { id: randomBytes(12).toString('base64url'), email };
        users.set(userKey, account);
        const session = randomBytes(32).toString('base64url');
        sessions.set(session, account);
        // A new session drops any identity cookie left by someone else on this browser.
        return redirectHome(res, [setCookie(names.session, session, { secure }), dropIdentity]);
      }
      if (route === 'POST /logout') {
        if (sid !== undefined) sessions.delete(sid);
        return redirectHome(res, [setCookie(names.session, '', { secure, maxAgeSeconds: 0 }), dropIdentity]);
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    }
  };
}
