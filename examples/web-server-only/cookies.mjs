// @ts-check
/**
 * The two cookies of the web example and how they are written. Both are HttpOnly (page script never
 * sees them) and SameSite=Lax (not sent on cross-site POSTs, which is the example's CSRF defence). Over
 * TLS they are Secure and carry the `__Host-` prefix, which a browser only accepts from a secure origin,
 * on Path=/ and without a Domain: no subdomain can plant or overwrite them.
 */

/**
 * The cookie names for a site served over TLS (`secure`) or not.
 * @param {boolean} secure
 */
export function cookieNames(secure) {
  const prefix = secure ? '__Host-' : '';
  return Object.freeze({ session: `${prefix}sid`, identity: `${prefix}uid2` });
}

/**
 * The cookies of a request, by name. Malformed pairs are skipped; the first of duplicate names wins.
 * @param {string | undefined} header the Cookie header
 * @returns {Map<string, string>}
 */
export function parseCookies(header) {
  const cookies = new Map();
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, pair.slice(at + 1).trim());
  }
  return cookies;
}

/**
 * A Set-Cookie value. `maxAgeSeconds` 0 deletes the cookie; undefined makes it last the browser session.
 * `value` must be cookie-safe already (base64url and such are).
 * @param {string} name
 * @param {string} value
 * @param {{ secure: boolean, maxAgeSeconds?: number }} options
 */
export function setCookie(name, value, { secure, maxAgeSeconds }) {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (secure) parts.push('Secure');
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`);
  return parts.join('; ');
}
