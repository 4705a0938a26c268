// @ts-check
/**
 * The two things every example back end does, whatever its HTTP framework: sign a user in (generate,
 * opt-outs remembered by the client's store) and refresh the identity the app holds (refreshIfDue),
 * remembering a refresh-time opt-out for the user it belongs to.
 */
import { parseIdentity, Uid2Error } from 'uid2-publisher';
import { IdentityOwners, signInOf } from './owners.mjs';

/**
 * @typedef {object} Outcome what happened, for logs and the demo's trace: no token, no DII
 * @property {'login' | 'refresh'} route
 * @property {string} status the result's status
 * @property {boolean} [remembered] for `optout` at login: answered from the opt-out store, with no
 *   request; at refresh: recorded in the store for the identity's owner (false: owner unknown)
 */

/**
 * @param {{ client: import('uid2-publisher').PublisherClient, owners?: IdentityOwners,
 *   onOutcome?: (outcome: Outcome) => void }} options
 */
export function createIdentityService({ client, owners = new IdentityOwners(), onOutcome = () => {} }) {
  return {
    owners,

    /**
     * Signs in the user a body names (`{ email }` or `{ phone }`).
     * @param {unknown} body parsed JSON
     */
    async login(body) {
      const signIn = signInOf(body);
      if (signIn === undefined)
        throw new Uid2Error('UID2_INVALID_INPUT', 'give exactly one of email or phone');
      const result = await client.generateToken(signIn.input);
      if (result.status === 'success') owners.set(result.identity, signIn.owner);
      onOutcome({
        route: 'login',
        status: result.status,
        ...(result.status === 'optout' ? { remembered: result.remembered } : {}),
      });
      return result;
    },

    /**
     * Refreshes an identity if it is due; an opt-out is remembered for its owner.
     * @param {unknown} identity the identity the app sent: JSON text or its parsed object
     */
    async refresh(identity) {
      const held = parseIdentity(/** @type {string | object} */ (identity)); // UID2_INVALID_IDENTITY if unusable
      const owner = owners.get(held);
      const result = await client.refreshIfDue(held);
      if (result.status !== 'current') owners.delete(held);
      if (result.status === 'success' && owner) owners.set(result.identity, owner);
      // The operator says an opt-out happened, not whose: the owner map knows.
      if (result.status === 'optout' && owner) await client.rememberOptOut(owner);
      onOutcome({
        route: 'refresh',
        status: result.status,
        ...(result.status === 'optout' ? { remembered: owner !== undefined } : {}),
      });
      return result;
    },
  };
}
