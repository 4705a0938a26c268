/**
 * The UID2 v2 envelopes (PROTOCOL.md §2, §3): AES-256-GCM with a 12-byte IV, 16-byte tag, no AAD.
 *
 * Request:  0x01 || IV(12) || GCM(secret, ts_ms(8, BE) || nonce(8) || JSON) || tag(16), base64 text.
 * Generate response: IV(12) || GCM(secret, ts_ms(8) || nonce(8) || JSON) || tag(16).
 * Refresh response:  IV(12) || GCM(refresh_response_key, JSON) || tag(16), no prefix.
 *
 * Bytes only: node:crypto, no I/O, no JSON schemas, no knowledge of endpoints (those are in
 * endpoints/). `now`, `nonce` and `iv` options exist so that tests can reproduce vectors byte for byte;
 * production code leaves them unset.
 */
import {
  type CipherGCMTypes,
  createCipheriv,
  createDecipheriv,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';
import { decodeBase64Strict } from './base64.js';
import { Uid2Error } from './errors.js';
import { decodeSecretKey, type SecretKeyInput } from './keys.js';

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
 * await fetch(`${baseUrl}/v2/token/generate`, { method: 'POST', body: request.body }); // later: decryptTokenGenerateResponse(secret, answer, request.nonce)
 * ```
 */
export interface EncryptedRequest {
  /** The request envelope as standard base64 text (send with `Content-Type: text/plain`). */
  readonly body: string;
  /**
   * The same envelope as raw bytes (send with `Content-Type: application/octet-stream`; the operator
   * then answers in binary too, PROTOCOL.md §1).
   */
  readonly bytes: Uint8Array;
  /** The nonce inside the envelope; pass it to {@link decryptTokenGenerateResponse}. */
  readonly nonce: Uint8Array;
}

/** An {@link EncryptedRequest} whose base64 text is made only if someone reads it. */
export function encryptedRequest(bytes: Buffer, nonce: Uint8Array): EncryptedRequest {
  let text: string | undefined;
  return {
    get body() {
      text ??= bytes.toString('base64');
      return text;
    },
    bytes,
    nonce,
  };
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

/**
 * Epoch ms as the int64 the envelope carries. Clocks may be fractional (`performance.timeOrigin +
 * performance.now()`), so the value is truncated; anything that is not a finite, non-negative time
 * is refused rather than written as garbage.
 */
function envelopeTimestamp(timestamp: number): bigint {
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0 || timestamp > 8.64e15) {
    throw new Uid2Error('UID2_INVALID_CONFIG', 'the clock (now) must return epoch milliseconds');
  }
  return BigInt(Math.trunc(timestamp));
}

/** `ts_ms(8, BE) || nonce(8) || JSON`: the plaintext of requests and of generate responses. */
function prefixedPlaintext(timestamp: number, nonce: Uint8Array, json: string | Uint8Array): Buffer {
  const payload = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
  const plaintext = Buffer.allocUnsafe(PREFIX_LENGTH + payload.length);
  plaintext.writeBigInt64BE(envelopeTimestamp(timestamp), 0);
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
  request: string | object,
  options: RequestEnvelopeOptions = {},
): EncryptedRequest {
  const key = decodeSecretKey(secretKey);
  const json = typeof request === 'string' ? request : JSON.stringify(request);
  const { bytes, nonce } = sealRequestEnvelope(key, json, options);
  return encryptedRequest(bytes, nonce);
}

/**
 * The largest response envelope opened, bytes or characters (1 MiB). Real answers are about 1.2 KB; the
 * cap keeps the work of opening any input to about a millisecond.
 */
export const MAX_ENVELOPE_LENGTH = 1024 * 1024;

/** Response body bytes from base64 text, or the bytes themselves for binary mode. */
function responseBytes(body: string | Uint8Array): Uint8Array {
  if ((typeof body === 'string' || body instanceof Uint8Array) && body.length > MAX_ENVELOPE_LENGTH) {
    throw new Uid2Error('UID2_RESPONSE_TOO_LARGE', `response envelope is larger than ${MAX_ENVELOPE_LENGTH}`);
  }
  if (body instanceof Uint8Array) return body;
  if (typeof body !== 'string') throw decryptFailed();
  const decoded = decodeBase64Strict(body.trim());
  if (decoded === null) throw decryptFailed();
  return decoded;
}

/** A decrypted response plaintext: server timestamp and JSON text (the nonce was checked). */
export interface OpenedResponse {
  /** The operator's clock when it answered, epoch ms. */
  timestamp: number;
  /** The JSON text. */
  json: string;
}

/**
 * Decrypts a response envelope sealed under the client secret (`ts || nonce || JSON`: generate,
 * validate) and checks its nonce in constant time. Throws `UID2_DECRYPT_FAILED` (fixed message, no
 * cause) or `UID2_NONCE_MISMATCH`. The timestamp is returned as read; callers judge it.
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

/** Decrypts a refresh response envelope (no prefix) to its JSON text. Throws `UID2_DECRYPT_FAILED`. */
export function openRefreshResponse(key: Uint8Array, body: string | Uint8Array): string {
  const plaintext = gcmOpen(key, responseBytes(body));
  if (plaintext === null) throw decryptFailed();
  return plaintext.toString('utf8');
}

/** Operator side: seals a generate (or validate) response plaintext (ts || nonce || JSON) under the client secret. */
export function sealGenerateResponse(
  key: Uint8Array,
  timestamp: number | bigint,
  nonce: Uint8Array,
  json: string,
  iv: Uint8Array = randomFillSync(Buffer.allocUnsafe(IV_LENGTH)),
): Buffer {
  // The operator writes whatever its clock says; a hostile one (in tests) may write any int64.
  const plaintext = prefixedPlaintext(0, nonce, json);
  plaintext.writeBigInt64BE(typeof timestamp === 'bigint' ? timestamp : BigInt(Math.trunc(timestamp)), 0);
  return Buffer.concat([iv, gcmEncrypt(key, iv, plaintext)]);
}

/** Operator side: seals a refresh response (JSON only, no prefix) under a `refresh_response_key`. */
export function sealRefreshResponse(
  key: Uint8Array,
  json: string,
  iv: Uint8Array = randomFillSync(Buffer.allocUnsafe(IV_LENGTH)),
): Buffer {
  return Buffer.concat([iv, gcmEncrypt(key, iv, Buffer.from(json, 'utf8'))]);
}
