/**
 * Client secrets: decoded and checked once, where they enter (the client's options, the BYO functions,
 * the local operator's client registry). Never logged: errors name the option, not the value.
 */
import { decodeBase64Strict } from './base64.js';
import { Uid2Error } from './errors.js';

/**
 * A secret given as base64 text (as UID2 issues it) or as its 32 raw bytes.
 *
 * @example
 * ```ts
 * const fromText: SecretKeyInput = process.env.UID2_SECRET_KEY!;
 * const fromBytes: SecretKeyInput = Buffer.from(process.env.UID2_SECRET_KEY!, 'base64');
 * ```
 */
export type SecretKeyInput = string | Uint8Array;

/**
 * Decodes and checks a client secret: canonical standard base64 of exactly 32 bytes, or the bytes.
 * Throws `UID2_INVALID_CONFIG` naming `what`, never the value.
 */
export function decodeSecretKey(secret: SecretKeyInput, what = 'secretKey'): Buffer {
  if (secret instanceof Uint8Array) {
    if (secret.length !== 32) {
      throw new Uid2Error('UID2_INVALID_CONFIG', `${what} must be 32 bytes (got ${secret.length})`);
    }
    return Buffer.from(secret);
  }
  const bytes = typeof secret === 'string' && secret.length === 44 ? decodeBase64Strict(secret) : null;
  if (bytes === null || bytes.length !== 32) {
    throw new Uid2Error(
      'UID2_INVALID_CONFIG',
      `${what} must be standard base64 of exactly 32 bytes (44 characters)`,
    );
  }
  return bytes;
}
