/**
 * The UID2 v2 envelopes (PROTOCOL.md §2, §3): AES-256-GCM with a 12-byte IV, 16-byte tag, no AAD.
 *
 * Request:  0x01 || IV(12) || GCM(secret, ts_ms(8, BE) || nonce(8) || JSON) || tag(16), base64 text.
 * Generate response: IV(12) || GCM(secret, ts_ms(8) || nonce(8) || JSON) || tag(16).
 * Refresh response:  IV(12) || GCM(refresh_response_key, JSON) || tag(16), no prefix.
 *
 * Crypto comes from node:crypto only; no I/O happens here. `now`, `nonce` and `iv` options exist so that
 * tests can reproduce vectors byte for byte; production code leaves them unset.
 */
import {
  type CipherGCMTypes,
  createCipheriv,
  createDecipheriv,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';
import { decodeAesKey, decodeBase64Strict } from './base64.js';
import { Uid2Error } from './errors.js';
import { type GenerateInput, type TokenGenerateRequest, toTokenGenerateRequest } from './input.js';
import { decodeSecretKey, type SecretKeyInput } from './keys.js';
import {
  type GenerateResult,
  interpretGenerateResponse,
  interpretRefreshResponse,
  type RefreshResult,
} from './results.js';

/** Envelope format version byte of request envelopes. */
export const ENVELOPE_VERSION = 1;
/** Bytes of the GCM IV. */
export const IV_LENGTH = 12;
/** Bytes of the GCM authentication tag. */
export const TAG_LENGTH = 16;
/** Bytes of the request nonce. */
export const NONCE_LENGTH = 8;
/** Bytes of the timestamp + nonce prefix inside request and generate-response plaintexts. */
export const PREFIX_LENGTH = 16;

/** One fixed message and no cause for every decryption failure: nothing to leak, nothing to tell apart. */
function decryptFailed(): Uid2Error {
  return new Uid2Error('UID2_DECRYPT_FAILED', 'decryption failed');
}

/**
 * Options that pin the random and time inputs of a request envelope (tests and vectors only).
 *
 * @example
 * ```ts
 * const pinned: RequestEnvelopeOptions = { now: 1667885597644, nonce: Buffer.from('312fe5aa08b2a049', 'hex') };
 * ```
 */
export interface RequestEnvelopeOptions {
  /** Request timestamp in epoch ms. Default: `Date.now()`. */
  now?: number;
  /** The 8-byte nonce. Default: random. */
  nonce?: Uint8Array;
  /** The 12-byte GCM IV. Default: random. */
  iv?: Uint8Array;
}

/**
 * An encrypted request: the base64 body to POST and the nonce the response must echo.
 *
 * @example
 * ```ts
 * const request: EncryptedRequest = encryptTokenGenerateRequest(secret, { email });
 * await post(request.body); // later: decryptTokenGenerateResponse(secret, answer, request.nonce)
 * ```
 */
export interface EncryptedRequest {
  /** The request envelope as standard base64 text (send with `Content-Type: text/plain`). */
  body: string;
  /** The nonce inside the envelope; pass it to {@link decryptTokenGenerateResponse}. */
  nonce: Uint8Array;
}

function cipherKeyFor(key: Uint8Array): CipherGCMTypes {
  switch (key.length) {
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    case 32:
      return 'aes-256-gcm';
    default:
      throw decryptFailed();
  }
}

/** AES-GCM encrypt: returns ciphertext || tag. */
export function gcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv(cipherKeyFor(key), key, iv);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([head, tail, cipher.getAuthTag()]);
}

/** AES-GCM decrypt of IV(12) || ciphertext || tag(16); null when authentication fails. */
export function gcmOpen(key: Uint8Array, sealed: Uint8Array, offset = 0): Buffer | null {
  if (sealed.length - offset < IV_LENGTH + TAG_LENGTH) return null;
  const iv = sealed.subarray(offset, offset + IV_LENGTH);
  const tag = sealed.subarray(sealed.length - TAG_LENGTH);
  const ciphertext = sealed.subarray(offset + IV_LENGTH, sealed.length - TAG_LENGTH);
  try {
    const decipher = createDecipheriv(cipherKeyFor(key), key, iv);
    decipher.setAuthTag(tag);
    const head = decipher.update(ciphertext);
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    return null;
  }
}

/** Random bytes are drawn from a pool refilled by one `randomFillSync` per 256 requests. */
const RANDOM_POOL_BYTES = 256 * (NONCE_LENGTH + IV_LENGTH);
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/** Fresh CSPRNG bytes. A new pool is allocated on refill, so bytes handed out are never overwritten. */
function randomDraw(length: number): Buffer {
  if (randomOffset + length > randomPool.length) {
    randomPool = randomFillSync(Buffer.allocUnsafeSlow(RANDOM_POOL_BYTES));
    randomOffset = 0;
  }
  const drawn = randomPool.subarray(randomOffset, randomOffset + length);
  randomOffset += length;
  return drawn;
}

function randomBytesFor(options: RequestEnvelopeOptions): { nonce: Uint8Array; iv: Uint8Array } {
  if (options.nonce !== undefined && options.nonce.length !== NONCE_LENGTH) {
    throw new Uid2Error('UID2_INVALID_INPUT', `nonce must be ${NONCE_LENGTH} bytes`);
  }
  if (options.iv !== undefined && options.iv.length !== IV_LENGTH) {
    throw new Uid2Error('UID2_INVALID_INPUT', `iv must be ${IV_LENGTH} bytes`);
  }
  return { nonce: options.nonce ?? randomDraw(NONCE_LENGTH), iv: options.iv ?? randomDraw(IV_LENGTH) };
}

/** `ts_ms(8, BE) || nonce(8) || JSON`: the plaintext of requests and of generate responses. */
function prefixedPlaintext(timestamp: number, nonce: Uint8Array, json: string | Uint8Array): Buffer {
  const payload = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
  const plaintext = Buffer.allocUnsafe(PREFIX_LENGTH + payload.length);
  plaintext.writeBigInt64BE(BigInt(timestamp), 0);
  plaintext.set(nonce, 8);
  plaintext.set(payload, PREFIX_LENGTH);
  return plaintext;
}

/**
 * Seals any request JSON (already serialised) into the v2 request envelope bytes.
 * For identity-map or other v2 endpoints, or to reproduce a vector with raw `email`.
 *
 * @example
 * ```ts
 * const { bytes, nonce } = sealRequestEnvelope(secretKeyBytes, '{"email_hash":"..."}');
 * ```
 */
export function sealRequestEnvelope(
  key: Uint8Array,
  json: string | Uint8Array,
  options: RequestEnvelopeOptions = {},
): { bytes: Buffer; nonce: Uint8Array } {
  const { nonce, iv } = randomBytesFor(options);
  const plaintext = prefixedPlaintext(options.now ?? Date.now(), nonce, json);
  const sealed = gcmEncrypt(key, iv, plaintext);
  const bytes = Buffer.allocUnsafe(1 + IV_LENGTH + sealed.length);
  bytes[0] = ENVELOPE_VERSION;
  bytes.set(iv, 1);
  bytes.set(sealed, 1 + IV_LENGTH);
  return { bytes, nonce };
}

/**
 * Encrypts a request JSON string (or object, serialised compactly) into a base64 request envelope.
 *
 * @example
 * ```ts
 * const { body, nonce } = encryptRequestEnvelope(secret, { email: 'test@example.com' });
 * ```
 */
export function encryptRequestEnvelope(
  secretKey: SecretKeyInput,
  request: string | TokenGenerateRequest | Record<string, unknown>,
  options: RequestEnvelopeOptions = {},
): EncryptedRequest {
  const key = decodeSecretKey(secretKey);
  const json = typeof request === 'string' ? request : JSON.stringify(request);
  const { bytes, nonce } = sealRequestEnvelope(key, json, options);
  return { body: bytes.toString('base64'), nonce };
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
  return encryptRequestEnvelope(secretKey, toTokenGenerateRequest(input), options);
}

/** Response body bytes from base64 text, or the bytes themselves for binary mode. */
function responseBytes(body: string | Uint8Array): Uint8Array {
  if (typeof body !== 'string') return body;
  const decoded = decodeBase64Strict(body.trim());
  if (decoded === null) throw decryptFailed();
  return decoded;
}

/** A decrypted generate-response plaintext: server timestamp, echoed nonce and JSON text. */
export interface OpenedResponse {
  /** The operator's clock when it answered, epoch ms. */
  timestamp: number;
  /** The JSON text. */
  json: string;
}

/**
 * Decrypts a generate response envelope and checks its nonce in constant time.
 * Throws `UID2_DECRYPT_FAILED` (fixed message, no cause) or `UID2_NONCE_MISMATCH`.
 */
export function openGenerateResponse(
  key: Uint8Array,
  body: string | Uint8Array,
  nonce: Uint8Array,
): OpenedResponse {
  const plaintext = gcmOpen(key, responseBytes(body));
  if (plaintext === null || plaintext.length < PREFIX_LENGTH) {
    throw decryptFailed();
  }
  if (nonce.length !== NONCE_LENGTH || !timingSafeEqual(plaintext.subarray(8, PREFIX_LENGTH), nonce)) {
    throw new Uid2Error('UID2_NONCE_MISMATCH', 'response nonce does not match the request nonce');
  }
  return {
    timestamp: Number(plaintext.readBigInt64BE(0)),
    json: plaintext.toString('utf8', PREFIX_LENGTH),
  };
}

/**
 * Decrypts a `/v2/token/generate` answer (base64 text, or bytes in binary mode) with the client secret,
 * checks the nonce, and validates the JSON.
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
): GenerateResult {
  return interpretGenerateResponse(openGenerateResponse(decodeSecretKey(secretKey), body, nonce).json);
}

/** Decrypts a refresh response envelope (no prefix) to its JSON text. Throws `UID2_DECRYPT_FAILED`. */
export function openRefreshResponse(key: Uint8Array, body: string | Uint8Array): string {
  const plaintext = gcmOpen(key, responseBytes(body));
  if (plaintext === null) throw decryptFailed();
  return plaintext.toString('utf8');
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
  const now = options.now ?? Date.now();
  if (refreshResponseKey === undefined) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    return interpretRefreshResponse(text, now);
  }
  const key = decodeAesKey(refreshResponseKey);
  if (key === null) {
    throw new Uid2Error(
      'UID2_INVALID_INPUT',
      'refresh_response_key must be standard base64 of a 16-, 24- or 32-byte key',
    );
  }
  return interpretRefreshResponse(openRefreshResponse(key, body), now);
}

/** Operator side: seals a generate response plaintext (ts || nonce || JSON) under the client secret. */
export function sealGenerateResponse(
  key: Uint8Array,
  timestamp: number,
  nonce: Uint8Array,
  json: string,
  iv: Uint8Array = randomFillSync(Buffer.allocUnsafe(IV_LENGTH)),
): Buffer {
  return Buffer.concat([iv, gcmEncrypt(key, iv, prefixedPlaintext(timestamp, nonce, json))]);
}

/** Operator side: seals a refresh response (JSON only, no prefix) under a `refresh_response_key`. */
export function sealRefreshResponse(
  key: Uint8Array,
  json: string,
  iv: Uint8Array = randomFillSync(Buffer.allocUnsafe(IV_LENGTH)),
): Buffer {
  return Buffer.concat([iv, gcmEncrypt(key, iv, Buffer.from(json, 'utf8'))]);
}

export { decodeSecretKey, type SecretKeyInput } from './keys.js';
