/**
 * POST /v2/token/generate (PROTOCOL.md §2, §3.1, §4, §5.1): the request builder, the public
 * bring-your-own-HTTP pair, and how a decrypted answer becomes a {@link GenerateResult}.
 */
import {
  type EncryptedRequest,
  encryptedRequest,
  openGenerateResponse,
  type RequestEnvelopeOptions,
  sealRequestEnvelope,
} from '../envelope.js';
import { type GenerateInput, type TokenGenerateRequest, toTokenGenerateRequest } from '../input.js';
import { decodeSecretKey, type SecretKeyInput } from '../keys.js';
import { type IdentityIssued, type OptedOut, readIssuingAnswer } from '../results.js';
import { checkShape, generateResponseSchema } from '../schemas.js';
import { checkResponseTimestamp } from './timestamp.js';

/**
 * EUID only: the TCF consent string does not grant what EUID needs. No identity.
 *
 * @example
 * ```ts
 * if (result.status === 'insufficient_user_consent') res.end('{"consent":false}');
 * ```
 */
export interface InsufficientConsent {
  readonly status: 'insufficient_user_consent';
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
 *   case 'insufficient_user_consent': return reply('{"consent":false}');
 * }
 * ```
 */
export type GenerateResult = IdentityIssued | OptedOut | InsufficientConsent;

/** The generate request JSON for an input, validated and hashed (throws `UID2_INVALID_INPUT`). */
export function generateRequestJson(input: GenerateInput): { request: TokenGenerateRequest; json: string } {
  const request = toTokenGenerateRequest(input);
  return { request, json: JSON.stringify(request) };
}

/**
 * Turns a decrypted `/v2/token/generate` JSON text into a {@link GenerateResult}. `now` is the
 * corrected clock: a success whose identity has already expired then is `UID2_RESPONSE_INVALID`.
 */
export function interpretGenerateResponse(jsonText: string, now: number): GenerateResult {
  const answer = readIssuingAnswer(jsonText, now, 'generate', (raw) =>
    checkShape(generateResponseSchema, raw, 'generate response failed validation'),
  );
  if (answer.status === 'success') return answer;
  return answer.status === 'optout' ? { status: 'optout', remembered: false } : { status: answer.status };
}

/**
 * Validates and hashes a generate input, then encrypts it into a `/v2/token/generate` request envelope.
 * Throws `UID2_INVALID_INPUT` for bad input and `UID2_INVALID_CONFIG` for a bad secret.
 *
 * @example
 * ```ts
 * const { body, nonce } = encryptTokenGenerateRequest(process.env.UID2_SECRET_KEY!, { email: 'user@example.com' });
 * const res = await fetch(`${baseUrl}/v2/token/generate`, {
 *   method: 'POST', body, headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'text/plain' },
 * });
 * const result = decryptTokenGenerateResponse(process.env.UID2_SECRET_KEY!, await res.text(), nonce);
 * ```
 */
export function encryptTokenGenerateRequest(
  secretKey: SecretKeyInput,
  input: GenerateInput,
  options: RequestEnvelopeOptions = {},
): EncryptedRequest {
  const { json } = generateRequestJson(input);
  const { bytes, nonce } = sealRequestEnvelope(decodeSecretKey(secretKey), json, options);
  return encryptedRequest(bytes, nonce);
}

/**
 * Options of the decrypt functions of answers sealed under the client secret.
 *
 * @example
 * ```ts
 * decryptTokenGenerateResponse(secret, responseText, nonce, { onTimestamp: (ts) => metrics.gauge('uid2.skew', ts - Date.now()) });
 * ```
 */
export interface DecryptOptions {
  /**
   * The clock (epoch ms) an issued identity must not already be expired at. Default: the answer's own
   * (authenticated) timestamp, which is the operator's clock: right however far off the local one is.
   */
  now?: number;
  /**
   * Called with the answer's authenticated timestamp (epoch ms) before its JSON is read; may throw to
   * refuse it. The client learns its clock offset here.
   */
  onTimestamp?: (timestamp: number) => void;
}

/**
 * Decrypts a `/v2/token/generate` answer (base64 text, or bytes in binary mode) with the client secret,
 * checks the nonce and the answer's timestamp, and validates the JSON (see {@link DecryptOptions}).
 *
 * @example
 * ```ts
 * const result = decryptTokenGenerateResponse(secret, responseText, nonce);
 * if (result.status === 'success') reply(result.identityJson);
 * ```
 */
export function decryptTokenGenerateResponse(
  secretKey: SecretKeyInput,
  body: string | Uint8Array,
  nonce: Uint8Array,
  options: DecryptOptions = {},
): GenerateResult {
  const opened = openGenerateResponse(decodeSecretKey(secretKey), body, nonce);
  checkResponseTimestamp(opened.timestamp);
  options.onTimestamp?.(opened.timestamp);
  return interpretGenerateResponse(opened.json, options.now ?? opened.timestamp);
}
