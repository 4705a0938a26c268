/**
 * Sealed identities: an identity encrypted and authenticated for a cookie or any storage the user can
 * read, bound to one user (the context), with key rotation.
 *
 * Format (base64url, no padding): version (1 byte) | key id (4) | nonce (24) | secretbox (16 + n).
 * The secretbox key is HMAC-SHA256(key, label | version | context), so the context is authenticated
 * without being written into the cookie (a user id stays out of the browser) and a value sealed for
 * one user fails authentication for any other, with no plaintext comparison to get wrong.
 *
 * Why tweetnacl secretbox (XSalsa20-Poly1305) here and AES-GCM on the wire: its 24-byte nonces are
 * random, and random 24-byte nonces are safe for any number of messages under one key, whereas GCM's
 * 12-byte random nonces wear out a key after about 2^32 messages. A cookie key seals every page view of
 * every user for years, so that matters here; the wire format is fixed by UID2 and is not ours to pick.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { Uid2Error } from '../errors.js';
import { type Identity, identityToJson, parseIdentity } from '../identity.js';
import { decodeSecretKey, type SecretKeyInput } from '../keys.js';
import { checkOptionKeys, configError } from '../option-checks.js';

/**
 * Keys and context of {@link sealIdentity} and {@link openIdentity}.
 *
 * @example
 * ```ts
 * const options: SealOptions = { keys: [process.env.COOKIE_KEY_NEW!, process.env.COOKIE_KEY_OLD!], context: user.id };
 * ```
 */
export interface SealOptions {
  /**
   * 1 to 16 secrets of 32 bytes (standard base64 or bytes). `keys[0]` seals; any of them opens, so a new
   * key goes first and the old one stays until every value sealed with it has expired.
   */
  keys: readonly SecretKeyInput[];
  /** What the sealed value is bound to, e.g. the session's user id: well-formed text, 1 to 256 characters. */
  context: string;
}

/**
 * Longest sealed text {@link openIdentity} looks at, in characters; longer input is refused before any
 * other work. 6 KiB of identity JSON seals to at most this, far above what an operator issues (about
 * 1 KB) and enough for a cookie (4096 bytes with its name and attributes).
 *
 * @example
 * ```ts
 * if (cookie.length > SEALED_IDENTITY_MAX_LENGTH) return signInAgain();
 * ```
 */
export const SEALED_IDENTITY_MAX_LENGTH = 8192;

const VERSION = 1;
const KEY_ID_BYTES = 4;
const HEADER_BYTES = 1 + KEY_ID_BYTES + nacl.secretbox.nonceLength;
const MIN_BYTES = HEADER_BYTES + nacl.secretbox.overheadLength;
const MAX_BYTES = Math.floor((SEALED_IDENTITY_MAX_LENGTH * 3) / 4);
const MAX_KEYS = 16;
const MAX_CONTEXT_LENGTH = 256;
const KEY_ID_LABEL = 'uid2-publisher/sealed-identity/key-id\u0000';
const BOX_KEY_LABEL = 'uid2-publisher/sealed-identity/box-key\u0000';
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

interface SealKey {
  secret: Buffer;
  id: Buffer;
}

function invalidIdentity(message: string): Uid2Error {
  return new Uid2Error('UID2_INVALID_IDENTITY', message);
}

function checkOptions(options: SealOptions): { keys: SealKey[]; context: string } {
  checkOptionKeys(options, 'sealIdentity/openIdentity', ['keys', 'context']);
  const { keys, context } = options;
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > MAX_KEYS) {
    throw configError(`keys must be an array of 1 to ${MAX_KEYS} secrets`);
  }
  // Well-formed Unicode only: a lone surrogate would be hashed as U+FFFD, so two different contexts
  // ('\uD800' and '\uFFFD') would derive the same box key.
  if (
    typeof context !== 'string' ||
    context.length < 1 ||
    context.length > MAX_CONTEXT_LENGTH ||
    Buffer.from(context, 'utf8').toString('utf8') !== context
  ) {
    throw new Uid2Error(
      'UID2_INVALID_INPUT',
      `context must be well-formed text of 1 to ${MAX_CONTEXT_LENGTH} characters`,
    );
  }
  return {
    // Array.from visits the holes of a sparse array too (map would skip them).
    keys: Array.from(keys, (key: SecretKeyInput, i) => {
      const secret = decodeSecretKey(key, `keys[${i}]`);
      const id = createHash('sha256').update(KEY_ID_LABEL).update(secret).digest().subarray(0, KEY_ID_BYTES);
      return { secret, id };
    }),
    context,
  };
}

function boxKey(secret: Buffer, context: string): Uint8Array {
  return createHmac('sha256', secret)
    .update(BOX_KEY_LABEL)
    .update(Buffer.of(VERSION))
    .update(context, 'utf8')
    .digest();
}

/**
 * Encrypts and authenticates an identity (an object or its JSON) under `keys[0]`, bound to `context`,
 * as versioned base64url text for a cookie. Throws `UID2_INVALID_IDENTITY` when the identity is not
 * usable or too large, `UID2_INVALID_CONFIG` for bad keys, `UID2_INVALID_INPUT` for a bad context.
 *
 * @example
 * ```ts
 * const sealed = sealIdentity(identityJson, { keys, context: user.id });
 * res.setHeader('Set-Cookie', `__Host-uid2=${sealed}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=2592000`);
 * ```
 */
export function sealIdentity(identity: Identity | string, options: SealOptions): string {
  const { keys, context } = checkOptions(options);
  const plaintext = Buffer.from(identityToJson(parseIdentity(identity)), 'utf8');
  if (plaintext.length > MAX_BYTES - MIN_BYTES) {
    throw invalidIdentity(`identity is too large to seal (over ${MAX_BYTES - MIN_BYTES} bytes of JSON)`);
  }
  const key = keys[0] as SealKey;
  const nonce = randomBytes(nacl.secretbox.nonceLength);
  const box = nacl.secretbox(plaintext, nonce, boxKey(key.secret, context));
  return Buffer.concat([Buffer.of(VERSION), key.id, nonce, box]).toString('base64url');
}

/**
 * Opens what {@link sealIdentity} produced, with whichever of `keys` sealed it, and checks that it was
 * sealed for `context`. Any sealed value that is not intact, not ours, not for this context, too long or
 * not even a string gives `UID2_INVALID_IDENTITY` (treat it as "no identity": sign in again).
 *
 * @example
 * ```ts
 * try {
 *   const identity = openIdentity(cookie, { keys, context: user.id }); // keys: newest first
 * } catch (err) {
 *   if (isUid2Error(err, 'UID2_INVALID_IDENTITY')) signInAgain();
 * }
 * ```
 */
export function openIdentity(sealed: string, options: SealOptions): Identity {
  const { keys, context } = checkOptions(options);
  // Length first: the work below is bounded by SEALED_IDENTITY_MAX_LENGTH whatever the input.
  if (typeof sealed !== 'string') throw invalidIdentity('sealed identity must be a string');
  if (sealed.length > SEALED_IDENTITY_MAX_LENGTH) throw invalidIdentity('sealed identity is too long');
  if (!BASE64URL.test(sealed)) throw invalidIdentity('sealed identity is not base64url');
  const bytes = Buffer.from(sealed, 'base64url');
  // Canonical only: one sealed value has one spelling (no stray trailing bits, no dropped characters).
  if (bytes.length < MIN_BYTES || bytes.toString('base64url') !== sealed) {
    throw invalidIdentity('sealed identity is truncated or not canonical base64url');
  }
  if (bytes[0] !== VERSION) throw invalidIdentity('sealed identity has an unknown version');
  const id = bytes.subarray(1, 1 + KEY_ID_BYTES);
  const nonce = bytes.subarray(1 + KEY_ID_BYTES, HEADER_BYTES);
  const box = bytes.subarray(HEADER_BYTES);
  for (const key of keys) {
    if (!key.id.equals(id)) continue;
    const plaintext = nacl.secretbox.open(box, nonce, boxKey(key.secret, context));
    if (plaintext === null) continue;
    let json: string;
    try {
      json = utf8.decode(plaintext);
    } catch {
      throw invalidIdentity('sealed identity does not hold text');
    }
    // parseIdentity throws UID2_INVALID_IDENTITY only, and returns a redacting object.
    return parseIdentity(json);
  }
  throw invalidIdentity('sealed identity does not open with these keys and this context');
}
