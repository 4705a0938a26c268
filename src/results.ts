/**
 * The outcomes of generate and refresh, and how a decrypted operator answer becomes one.
 * Documented operator outcomes that are not faults are statuses here, not errors.
 */
import { inspect } from 'node:util';
import { Uid2Error } from './errors.js';
import { hasExpired, type Identity, redactIdentity, sealIdentity } from './identity.js';
import {
  checkShape,
  type GenerateResponseShape,
  generateResponseSchema,
  isIssuedIdentity,
  type RefreshResponseShape,
  refreshResponseSchema,
} from './schemas.js';

/**
 * A new identity: `identityJson` is the exact string to hand to the mobile app's UID2 SDK.
 *
 * @example
 * ```ts
 * if (result.status === 'success') res.end(result.identityJson);
 * ```
 */
export interface IdentityIssued {
  status: 'success';
  /** The parsed identity (wire field names, unknown fields kept). */
  identity: Identity;
  /** The flat identity JSON object (never the `{status, body}` wrapper), timestamps in integer ms. */
  identityJson: string;
}

/**
 * The user opted out: remember it and do not call generate again for this DII.
 *
 * @example
 * ```ts
 * if (result.status === 'optout') await optOuts.add(hashEmail(email));
 * ```
 */
export interface OptedOut {
  status: 'optout';
}

/**
 * EUID only: the TCF consent string does not grant what EUID needs. No identity.
 *
 * @example
 * ```ts
 * if (result.status === 'insufficient_user_consent') res.end('{"consent":false}');
 * ```
 */
export interface InsufficientConsent {
  status: 'insufficient_user_consent';
}

/**
 * The refresh token has expired: sign the user in again (generate with DII).
 *
 * @example
 * ```ts
 * if (result.status === 'expired_token') delete session.identityJson;
 * ```
 */
export interface RefreshTokenExpired {
  status: 'expired_token';
  /** The operator's message, when it sent one. */
  detail?: string;
}

/**
 * The operator does not accept the refresh token (tampered, unknown key, other environment).
 *
 * @example
 * ```ts
 * if (result.status === 'invalid_token') log.warn('refresh refused', { detail: result.detail });
 * ```
 */
export interface RefreshTokenInvalid {
  status: 'invalid_token';
  /** The operator's message, when it sent one. */
  detail?: string;
}

/**
 * What `generateToken` resolves to. Switch on `status`.
 *
 * @example
 * ```ts
 * const result = await client.generateToken({ email });
 * switch (result.status) {
 *   case 'success': return reply(result.identityJson);
 *   case 'optout': return rememberOptOut(email);
 *   case 'insufficient_user_consent': return replyNoConsent();
 * }
 * ```
 */
export type GenerateResult = IdentityIssued | OptedOut | InsufficientConsent;

/**
 * What `refreshToken` resolves to. Switch on `status`.
 *
 * @example
 * ```ts
 * const result = await client.refreshToken(identityJson);
 * if (result.status === 'success') session.identityJson = result.identityJson;
 * else if (result.status === 'optout') forgetIdentityAndRememberOptOut();
 * else signInAgain(); // expired_token, invalid_token
 * ```
 */
export type RefreshResult = IdentityIssued | OptedOut | RefreshTokenExpired | RefreshTokenInvalid;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Uid2Error('UID2_RESPONSE_INVALID', 'decrypted response is not valid JSON');
  }
}

/** A success result; inspecting it shows lengths instead of tokens (the hook is on the prototype). */
class IssuedResult implements IdentityIssued {
  readonly status = 'success' as const;
  readonly identity: Identity;
  readonly identityJson: string;

  constructor(identity: Identity, identityJson: string) {
    this.identity = identity;
    this.identityJson = identityJson;
  }

  [inspect.custom](_depth: number, options: object): string {
    const view = {
      status: this.status,
      identity: redactIdentity(this.identity),
      identityJson: `[redacted ${this.identityJson.length} chars]`,
    };
    return inspect(view, options);
  }
}

/** Builds a success result from an already validated body, keeping the operator's field order. */
export function identityIssued(body: Identity): IdentityIssued {
  return new IssuedResult(sealIdentity(body), JSON.stringify(body));
}

/**
 * The common answer, a success with a well-formed identity, is checked by hand; zod runs for the rest
 * and to explain a failure. Both accept the same successes (a property test holds them equal).
 */
function isSuccessAnswer(raw: unknown): boolean {
  return (
    raw !== null &&
    typeof raw === 'object' &&
    (raw as { status?: unknown }).status === 'success' &&
    isIssuedIdentity((raw as { body?: unknown }).body)
  );
}

/** Turns a decrypted `/v2/token/generate` JSON text into a {@link GenerateResult}. */
export function interpretGenerateResponse(jsonText: string): GenerateResult {
  const raw = parseJson(jsonText);
  const answer = isSuccessAnswer(raw)
    ? (raw as GenerateResponseShape)
    : checkShape(generateResponseSchema, raw, 'generate response failed validation');
  return answer.status === 'success' ? identityIssued(answer.body as Identity) : { status: answer.status };
}

/**
 * Turns a decrypted `/v2/token/refresh` JSON text into a {@link RefreshResult}. Like the Java client, a
 * "success" whose identity has already expired at `now` is refused (`UID2_RESPONSE_INVALID`): it would be
 * useless to the app and usually means the local clock is far off.
 */
export function interpretRefreshResponse(jsonText: string, now: number): RefreshResult {
  const raw = parseJson(jsonText);
  const answer = isSuccessAnswer(raw)
    ? (raw as RefreshResponseShape)
    : checkShape(refreshResponseSchema, raw, 'refresh response failed validation');
  switch (answer.status) {
    case 'success': {
      const body = answer.body as Identity;
      if (hasExpired(body, now) || now > body.refresh_expires) {
        throw new Uid2Error(
          'UID2_RESPONSE_INVALID',
          'refreshed identity is already expired at the local clock (is the clock far ahead?)',
        );
      }
      return identityIssued(body);
    }
    case 'optout':
      return { status: 'optout' };
    default:
      return answer.message === undefined
        ? { status: answer.status }
        : { status: answer.status, detail: answer.message };
  }
}
