/**
 * POST /v2/token/validate (PROTOCOL.md §14): is this advertising token the one the operator issued for
 * this DII? A check for testing an integration. Same envelope as generate; the answer's `body` is a
 * boolean. The request builder, the public bring-your-own-HTTP pair, and the result union.
 */
import {
  type EncryptedRequest,
  encryptedRequest,
  openGenerateResponse,
  type RequestEnvelopeOptions,
  sealRequestEnvelope,
} from '../envelope.js';
import { Uid2Error } from '../errors.js';
import {
  type EmailHashInput,
  type EmailInput,
  type GenerateInput,
  type PhoneHashInput,
  type PhoneInput,
  toTokenGenerateRequest,
} from '../input.js';
import { decodeSecretKey, type SecretKeyInput } from '../keys.js';
import { checkShape, MAX_TOKEN_LENGTH, validateResponseSchema } from '../schemas.js';
import { parseWireJson } from '../wire-json.js';
import type { DecryptOptions } from './generate.js';
import { checkResponseTimestamp } from './timestamp.js';

/**
 * What `validateToken` checks a token against: exactly one identifier, no consent string.
 *
 * @example
 * ```ts
 * const input: ValidateInput = { email: 'validate@example.com' };
 * ```
 */
export type ValidateInput =
  | Omit<EmailInput, 'tcfConsentString'>
  | Omit<PhoneInput, 'tcfConsentString'>
  | Omit<EmailHashInput, 'tcfConsentString'>
  | Omit<PhoneHashInput, 'tcfConsentString'>;

/**
 * What `validateToken` resolves to:
 * - `match`: the token was issued for this DII;
 * - `mismatch`: it decodes, but was issued for another DII;
 * - `invalid_token`: the operator cannot decode it (garbage, another environment, an unknown key);
 * - `not_owner`: it was issued to another site ("Unauthorised to validate token").
 *
 * @example
 * ```ts
 * const v = await client.validateToken(identity.advertising_token, { email });
 * if (v.status !== 'match') log.warn('token does not belong to this user', { status: v.status });
 * ```
 */
export interface ValidateResult {
  readonly status: 'match' | 'mismatch' | 'invalid_token' | 'not_owner';
  /** The operator's message (scrubbed) for `invalid_token` and `not_owner`. */
  readonly detail?: string;
}

/** Advertising tokens are base64 or base64url text; anything else cannot be one. */
const TOKEN_TEXT = /^[A-Za-z0-9+/=_-]+$/;

/** The validate request JSON: `token` and one hashed identifier (throws `UID2_INVALID_INPUT`). */
export function validateRequestJson(advertisingToken: string, input: ValidateInput): string {
  if (
    typeof advertisingToken !== 'string' ||
    advertisingToken.length === 0 ||
    advertisingToken.length > MAX_TOKEN_LENGTH ||
    !TOKEN_TEXT.test(advertisingToken)
  ) {
    throw new Uid2Error(
      'UID2_INVALID_INPUT',
      `advertisingToken must be base64 or base64url text of 1 to ${MAX_TOKEN_LENGTH} characters`,
    );
  }
  if (input !== null && typeof input === 'object' && 'tcfConsentString' in input) {
    throw new Uid2Error('UID2_INVALID_INPUT', 'validate takes no tcfConsentString');
  }
  return JSON.stringify({ token: advertisingToken, ...toTokenGenerateRequest(input as GenerateInput) });
}

/** Turns a decrypted validate JSON text into `match` or `mismatch`. */
export function interpretValidateResponse(jsonText: string): ValidateResult {
  const raw = parseWireJson(jsonText, 'UID2_RESPONSE_INVALID', 'decrypted response');
  const answer = checkShape(validateResponseSchema, raw, 'validate response failed validation');
  return { status: answer.body ? 'match' : 'mismatch' };
}

/**
 * Encrypts a `/v2/token/validate` request: the advertising token and the DII it should belong to
 * (hashed locally). Throws `UID2_INVALID_INPUT` for a bad token or input.
 *
 * @example
 * ```ts
 * const { body, nonce } = encryptTokenValidateRequest(secretKey, advertisingToken, { email: 'validate@example.com' });
 * const res = await fetch(`${baseUrl}/v2/token/validate`, {
 *   method: 'POST', body, headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'text/plain' },
 * });
 * if (res.status === 200) console.log(decryptTokenValidateResponse(secretKey, await res.text(), nonce).status);
 * ```
 */
export function encryptTokenValidateRequest(
  secretKey: SecretKeyInput,
  advertisingToken: string,
  input: ValidateInput,
  options: RequestEnvelopeOptions = {},
): EncryptedRequest {
  const json = validateRequestJson(advertisingToken, input);
  const { bytes, nonce } = sealRequestEnvelope(decodeSecretKey(secretKey), json, options);
  return encryptedRequest(bytes, nonce);
}

/**
 * Decrypts a `/v2/token/validate` 200 answer (base64 text, or bytes in binary mode) with the client
 * secret, checks the nonce and timestamp, and says `match` or `mismatch`. (The operator's 400 answers
 * `Invalid token` and `Unauthorised to validate token` are not encrypted; the client maps them to
 * `invalid_token` and `not_owner`.)
 *
 * @example
 * ```ts
 * const result = decryptTokenValidateResponse(secretKey, responseText, nonce);
 * ```
 */
export function decryptTokenValidateResponse(
  secretKey: SecretKeyInput,
  body: string | Uint8Array,
  nonce: Uint8Array,
  options: Pick<DecryptOptions, 'onTimestamp'> = {},
): ValidateResult {
  const opened = openGenerateResponse(decodeSecretKey(secretKey), body, nonce);
  checkResponseTimestamp(opened.timestamp);
  options.onTimestamp?.(opened.timestamp);
  return interpretValidateResponse(opened.json);
}
