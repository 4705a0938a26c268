/**
 * Shared inputs of the benchmarks: a fixed client secret and API key, realistic inputs, and an identity
 * shaped like the operator's (PROTOCOL.md §3.3, §3.4, §5.1): a 218-char V4 advertising token, a 388-char
 * refresh token, integer-millisecond timestamps and a 44-char refresh_response_key.
 */
import { randomBytes } from 'node:crypto';

/** A fixed 32-byte client secret (base64), used by every client and by the bench server. */
export const SECRET_KEY = Buffer.alloc(32, 0x5a).toString('base64');
/** An API key in the operator's format; the bench server does not check it. */
export const API_KEY = 'UID2-C-L-999-bEnCh0.benchmarkbenchmarkbenchmarkbenchmark00=';
/** The nonce that recorded responses echo (in-process pipeline, bare client). */
export const FIXED_NONCE = Buffer.from('0102030405060708', 'hex');

/** 256 distinct, realistically shaped emails (mixed case, dots) so hashing never sees one input only. */
export const EMAILS = Array.from({ length: 256 }, (_, i) => `Jane.Doe${i}@Example.com`);

/** 163 bytes whose base64url starts with `A4`, like a UID2 email token (218 chars, no padding). */
function advertisingToken() {
  const bytes = randomBytes(163);
  bytes[0] = 0x03;
  bytes[1] = 0x80;
  return bytes.toString('base64url');
}

/** 291 bytes (scope 0x00, key id, GCM blob) as standard base64: 388 chars, no padding, starts `AAAAA`. */
function refreshToken() {
  const bytes = randomBytes(291);
  bytes.writeUInt32BE(0x00000007, 0);
  bytes[4] = 0x01;
  return bytes.toString('base64');
}

/**
 * A fresh identity body in the operator's field order, valid for hours from `now`.
 *
 * @param {number} now epoch ms
 */
export function identityBody(now = Date.now()) {
  const body = {
    advertising_token: advertisingToken(),
    refresh_token: refreshToken(),
    identity_expires: now + 3_600_000,
    refresh_expires: now + 30 * 86_400_000,
    refresh_from: now + 3_000_000,
    refresh_response_key: randomBytes(32).toString('base64'),
  };
  if (body.advertising_token.length !== 218 || body.refresh_token.length !== 388) {
    throw new Error('fixture token sizes drifted');
  }
  return body;
}

/** The decrypted JSON of a successful generate or refresh answer. */
export function successJson(body) {
  return JSON.stringify({ body, status: 'success' });
}

/** Sorted copy, then the q-quantile by nearest rank (q in [0, 1]). */
export function quantile(values, q) {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index];
}

/** Median, minimum and maximum of repeated measurements. */
export function spread(values) {
  return { median: quantile(values, 0.5), min: Math.min(...values), max: Math.max(...values) };
}
