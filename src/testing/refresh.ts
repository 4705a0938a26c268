/**
 * POST /v2/token/refresh (PROTOCOL.md §3.2, §5.2). Stage 1 unwraps a 388-char token and fails with
 * `client_error` whatever the auth; stage 2 decides the outcome, with error statuses that depend on
 * whether a known API key was sent. 200 answers are sealed under the token's `refresh_response_key`.
 */
import { jsonReply, type Reply, sealedReply } from './http.js';
import { javaBase64Decode } from './java-base64.js';
import type { OperatorState } from './state.js';

/**
 * The length of every v2 refresh token (V2RequestUtil.V2_REFRESH_PAYLOAD_LENGTH).
 *
 * @example
 * ```ts
 * expect(identity.refresh_token).toHaveLength(REFRESH_TOKEN_LENGTH); // 388
 * ```
 */
export const REFRESH_TOKEN_LENGTH = 388;

/** Tokens established before this are "deprecated" and answered with optout (2021-03-08). */
const DEPRECATED_BEFORE_MS = Date.UTC(2021, 2, 8);

function invalidToken(authenticated: boolean): Reply {
  return authenticated
    ? jsonReply(400, { message: 'Invalid Token presented', status: 'invalid_token' })
    : jsonReply(400, { message: 'Error refreshing token', status: 'error' });
}

function expiredToken(authenticated: boolean): Reply {
  return authenticated
    ? jsonReply(400, { message: 'Expired Token presented', status: 'expired_token' })
    : jsonReply(400, { message: 'Error refreshing token', status: 'error' });
}

/**
 * Answers a refresh request. `authenticated` is true when the Authorization header names any known
 * key (disabled or not); `binary` follows the request Content-Type.
 *
 * @example
 * ```ts
 * const reply = handleRefresh(state, body.toString('utf8'), client !== null, isBinaryRequest(req));
 * ```
 */
export function handleRefresh(
  state: OperatorState,
  text: string,
  authenticated: boolean,
  binary: boolean,
): Reply {
  // Any other length goes to the legacy decoder, which cannot read it: an invalid token.
  if (text.length !== REFRESH_TOKEN_LENGTH) return invalidToken(authenticated);
  const outer = state.tokens.openOuterToken(javaBase64Decode(text));
  if (!outer.ok) return jsonReply(400, { message: outer.message, status: 'client_error' });
  const now = state.now();
  const claims = state.tokens.openInnerToken(outer.innerToken);
  if (claims === null || claims.scope !== state.scope) return invalidToken(authenticated);
  const seal = (json: string) => sealedReply({ endpoint: 'refresh', json, key: outer.responseKey, binary });
  if (claims.establishedAt < DEPRECATED_BEFORE_MS) return seal('{"status":"optout"}');
  if (claims.expiresAt < now) return expiredToken(authenticated);
  if (state.optOuts.isOptedOut(claims.type, claims.firstLevelHash, true)) return seal('{"status":"optout"}');
  const body = state.issueIdentity({
    type: claims.type,
    firstLevelHash: claims.firstLevelHash,
    siteId: claims.siteId,
    establishedAt: claims.establishedAt,
    now,
  });
  return seal(JSON.stringify({ body, status: 'success' }));
}
