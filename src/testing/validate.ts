/**
 * POST /v2/token/validate after authentication (PROTOCOL.md §14): the generate envelope and input
 * rules, then the advertising token really decoded with this operator's key and compared, by site and
 * by raw UID, with the identity sent beside it.
 */
import { timingSafeEqual } from 'node:crypto';
import type { RegisteredClient } from './auth.js';
import { clientError, type Reply } from './http.js';
import { openSecretRequest } from './secret-request.js';
import type { OperatorState } from './state.js';

/**
 * Answers a validate request whose API key already passed. `body` is the raw request body.
 *
 * Outcomes: a token that does not decode (not a string, garbage, another operator's key, another
 * scope) is 400 `Invalid token`; a token issued to a client of another site is 400
 * `Unauthorised to validate token`; otherwise 200 with `body` true when the token's raw UID is the
 * identity's (same type, same first-level hash), false when not. Expiry is not checked, as on the
 * operator.
 *
 * @example
 * ```ts
 * const reply = handleValidate(state, client, body, isBinaryRequest(req));
 * ```
 */
export function handleValidate(
  state: OperatorState,
  client: RegisteredClient,
  body: Buffer,
  binary: boolean,
): Reply {
  const request = openSecretRequest(state, client, body, binary, 'validate');
  if (!request.ok) return request.reply;
  const claims = state.adTokens.open(request.payload.token);
  if (claims === null || claims.scope !== state.scope) return clientError('Invalid token');
  if (claims.siteId !== client.siteId) return clientError('Unauthorised to validate token');
  const rawUid = state.adTokens.rawUid(state.optOuts.firstLevelHash(request.identity));
  const match = claims.type === request.identity.type && timingSafeEqual(claims.rawUid, rawUid);
  // Key order of the operator's SuccessV2 (body, then status), as for generate.
  return request.seal(JSON.stringify({ body: match, status: 'success' }));
}
