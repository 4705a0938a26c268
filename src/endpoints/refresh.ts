/**
 * POST /v2/token/refresh (PROTOCOL.md §3.2, §5.2): the request (the refresh token itself, not an
 * envelope), the public decrypt function, and how an answer becomes a {@link RefreshResult}.
 */
import { decodeAesKey } from '../base64.js';
import { openRefreshResponse } from '../envelope.js';
import { Uid2Error } from '../errors.js';
import { MAX_OPERATOR_MESSAGE } from '../operator-answer.js';
import { type IdentityIssued, type OptedOut, readIssuingAnswer } from '../results.js';
import { checkShape, refreshResponseSchema } from '../schemas.js';
import { Scrubber } from '../scrub.js';

/**
 * The refresh token has expired: sign the user in again (generate with DII).
 *
 * @example
 * ```ts
 * const result = await client.refreshToken(session.identityJson);
 * if (result.status === 'expired_token') forgetIdentity(session);
 * ```
 */
export interface RefreshTokenExpired {
  readonly status: 'expired_token';
  /** The operator's message (scrubbed), when it sent one. */
  readonly detail?: string;
}

/**
 * The operator does not accept the refresh token (tampered, unknown key, other environment).
 *
 * @example
 * ```ts
 * const result = await client.refreshToken(session.identityJson);
 * if (result.status === 'invalid_token') log.warn('refresh refused', { detail: result.detail });
 * ```
 */
export interface RefreshTokenInvalid {
  readonly status: 'invalid_token';
  /** The operator's message (scrubbed), when it sent one. */
  readonly detail?: string;
}

/**
 * What `refreshToken` resolves to. Switch on `status`.
 *
 * @example
 * ```ts
 * const result = await client.refreshToken(identityJson);
 * if (result.status === 'success') session.identityJson = result.identityJson;
 * else if (result.status === 'optout') forgetIdentity(session);
 * else signInAgain(); // expired_token, invalid_token
 * ```
 */
export type RefreshResult = IdentityIssued | OptedOut | RefreshTokenExpired | RefreshTokenInvalid;

/**
 * Turns a decrypted `/v2/token/refresh` JSON text into a {@link RefreshResult}. Like the Java client, a
 * "success" whose identity has already expired at `now` is refused (`UID2_RESPONSE_INVALID`).
 */
export function interpretRefreshResponse(
  jsonText: string,
  now: number,
  scrubber: Scrubber = Scrubber.of([]),
): RefreshResult {
  const answer = readIssuingAnswer(jsonText, now, 'refresh', (raw) =>
    checkShape(refreshResponseSchema, raw, 'refresh response failed validation'),
  );
  switch (answer.status) {
    case 'success':
      return answer;
    case 'optout':
      return { status: 'optout' };
    default:
      // Inside a 200 these come from SDK-style proxies; their text is scrubbed like any operator text.
      return answer.message === undefined
        ? { status: answer.status }
        : { status: answer.status, detail: scrubber.scrub(answer.message, MAX_OPERATOR_MESSAGE) };
  }
}

/**
 * Decrypts a `/v2/token/refresh` 200 answer with the `refresh_response_key` of the identity that was
 * refreshed. Refresh answers have no timestamp/nonce prefix. Pass `refreshResponseKey` as `undefined` for
 * a legacy v1 identity, whose answer is plain JSON. `now` (epoch ms) is used to refuse an identity that is
 * already expired.
 *
 * @example
 * ```ts
 * const result = decryptTokenRefreshResponse(responseText, identity.refresh_response_key);
 * ```
 */
export function decryptTokenRefreshResponse(
  body: string | Uint8Array,
  refreshResponseKey: string | undefined,
  options: { now?: number } = {},
): RefreshResult {
  return readRefreshAnswer(
    body,
    refreshResponseKey,
    options.now ?? Date.now(),
    Scrubber.of([refreshResponseKey]),
  );
}

/** {@link decryptTokenRefreshResponse} with the clock and the call's scrubber given (the client's path). */
export function readRefreshAnswer(
  body: string | Uint8Array,
  refreshResponseKey: string | undefined,
  now: number,
  scrubber: Scrubber,
): RefreshResult {
  if (refreshResponseKey === undefined) {
    if (body.length > 64 * 1024) {
      throw new Uid2Error('UID2_RESPONSE_TOO_LARGE', 'plain-JSON refresh answer is larger than 64 KiB');
    }
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    return interpretRefreshResponse(text, now, scrubber);
  }
  const key = typeof refreshResponseKey === 'string' ? decodeAesKey(refreshResponseKey) : null;
  if (key === null) {
    throw new Uid2Error(
      'UID2_INVALID_INPUT',
      'refresh_response_key must be standard base64 of a 16-, 24- or 32-byte key',
    );
  }
  return interpretRefreshResponse(openRefreshResponse(key, body), now, scrubber);
}
