// @ts-check
/**
 * Which user each issued identity belongs to, so that a refresh answered `optout` can be remembered for
 * that user (`client.rememberOptOut`): the operator's answer does not say whose token it was.
 *
 * A real back end keeps this with its sessions (database, Redis). Here it is a bounded map in memory,
 * keyed by a SHA-256 of the refresh token and holding the user's DII hash, so that neither a usable
 * token nor a raw email sits in memory longer than the request.
 */
import { createHash } from 'node:crypto';
import { hashEmail, hashPhone } from 'uid2-publisher';

/** @typedef {{ emailHash: string } | { phoneHash: string }} Owner */

/** @param {string} refreshToken */
const keyOf = (refreshToken) => createHash('sha256').update(refreshToken).digest('base64');

/**
 * The generate input and the owner record of a sign-in body, or undefined when it names no one.
 * `hashEmail`/`hashPhone` throw `UID2_INVALID_INPUT` for a bad address or number.
 * @param {unknown} body parsed JSON
 * @returns {{ input: { email: string } | { phone: string }, owner: Owner } | undefined}
 */
export function signInOf(body) {
  if (body === null || typeof body !== 'object') return undefined;
  const { email, phone } = /** @type {{ email?: unknown, phone?: unknown }} */ (body);
  if (typeof email === 'string' && phone === undefined)
    return { input: { email }, owner: { emailHash: hashEmail(email) } };
  if (typeof phone === 'string' && email === undefined)
    return { input: { phone }, owner: { phoneHash: hashPhone(phone) } };
  return undefined;
}

export class IdentityOwners {
  /** @type {Map<string, { owner: Owner, until: number }>} */
  #byToken = new Map();
  #maxEntries;
  #now;

  /** @param {{ maxEntries?: number, now?: () => number }} [options] */
  constructor({ maxEntries = 100_000, now = Date.now } = {}) {
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /**
   * Records the owner of a newly issued identity, until its refresh token expires.
   * @param {{ refresh_token: string, refresh_expires: number }} identity
   * @param {Owner} owner
   */
  set(identity, owner) {
    // Oldest first: Map keeps insertion order, so the first key is the one to evict.
    if (this.#byToken.size >= this.#maxEntries) this.#byToken.delete(this.#byToken.keys().next().value ?? '');
    this.#byToken.set(keyOf(identity.refresh_token), { owner, until: identity.refresh_expires });
  }

  /**
   * The owner of an identity, if known and its refresh token not expired.
   * @param {{ refresh_token: string }} identity
   * @returns {Owner | undefined}
   */
  get(identity) {
    const key = keyOf(identity.refresh_token);
    const entry = this.#byToken.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= this.#now()) {
      this.#byToken.delete(key);
      return undefined;
    }
    return entry.owner;
  }

  /** @param {{ refresh_token: string }} identity */
  delete(identity) {
    this.#byToken.delete(keyOf(identity.refresh_token));
  }

  get size() {
    return this.#byToken.size;
  }
}
