/**
 * The identity contract of the UID2 mobile SDKs (MOBILE.md, "What the server must emit") as a check
 * a back end's own tests can run on the exact string it hands the app. It reads the text itself, not
 * only the parsed value, because what breaks the SDKs is often invisible after `JSON.parse`: quoted or
 * fractional integers, duplicate keys.
 */
import { decodeBase64Strict } from '../base64.js';
import { Uid2Error } from '../errors.js';

/**
 * The longest identity JSON checked. A real one is about 700 characters; anything near this bound
 * is not an identity, and refusing it first keeps the check cheap for any input.
 *
 * @example
 * ```ts
 * checkMobileIdentity('x'.repeat(MAX_MOBILE_IDENTITY_LENGTH + 1)); // ['longer than 65536 characters']
 * ```
 */
export const MAX_MOBILE_IDENTITY_LENGTH = 64 * 1024;

const KEYS = [
  'advertising_token',
  'refresh_token',
  'identity_expires',
  'refresh_from',
  'refresh_expires',
  'refresh_response_key',
] as const;
const STRING_KEYS = ['advertising_token', 'refresh_token', 'refresh_response_key'] as const;
const TIME_KEYS = ['identity_expires', 'refresh_from', 'refresh_expires'] as const;
const CAMEL_TWINS = [
  'advertisingToken',
  'refreshToken',
  'identityExpires',
  'refreshFrom',
  'refreshExpires',
  'refreshResponseKey',
];
const PLAIN_INTEGER = (name: string) => new RegExp(`"${name}"\\s*:\\s*-?\\d+\\s*[,}]`);
const OCCURRENCES = (name: string) => new RegExp(`"${name}"\\s*:`, 'g');

function parseObject(identityJson: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(identityJson);
  } catch {
    return 'not JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  return value as Record<string, unknown>;
}

function checkTimes(identity: Record<string, unknown>, identityJson: string, now: number): string[] {
  const problems: string[] = [];
  for (const key of TIME_KEYS) {
    if (!Object.hasOwn(identity, key)) continue;
    if (!Number.isSafeInteger(identity[key]) || !PLAIN_INTEGER(key).test(identityJson)) {
      problems.push(`${key} must be a plain integer number of epoch milliseconds`);
    }
  }
  const { identity_expires: expires, refresh_from: from, refresh_expires: refreshExpires } = identity;
  if (typeof refreshExpires === 'number' && !(refreshExpires > now)) {
    problems.push('refresh_expires must be after now');
  }
  if (typeof expires === 'number' && !(expires > now)) problems.push('identity_expires should be after now');
  if (typeof from === 'number' && typeof expires === 'number' && from > expires) {
    problems.push('refresh_from must not be after identity_expires');
  }
  return problems;
}

/**
 * Lists every way `identityJson` breaks what both the Android and the iOS SDK accept: an empty list
 * means the app can pass it to `setIdentity` as it is. The messages name keys and rules, never values,
 * so they are safe to log or put in a test failure.
 *
 * Checked: one JSON object, not wrapped in `{status, body}`; the six keys present, each once, with no
 * camelCase twins; tokens non-empty strings; the three times plain integer epoch milliseconds in the
 * text itself (no quotes, fraction or exponent), `refresh_expires` and `identity_expires` after `now`,
 * `refresh_from` not after `identity_expires`; `refresh_response_key` standard base64 of 32 bytes.
 *
 * @param identityJson The exact string the back end sends to the app (e.g. `result.identityJson`).
 * @param now Epoch ms the times are compared with. Default `Date.now()`.
 * @throws `UID2_INVALID_INPUT` when `now` is not a finite number (a bug in the caller's test).
 *
 * @example
 * ```ts
 * import { checkMobileIdentity } from 'uid2-publisher/testing';
 *
 * const result = await client.generateToken({ email: 'user@example.com' });
 * if (result.status === 'success') {
 *   expect(checkMobileIdentity(result.identityJson)).toEqual([]);
 * }
 * checkMobileIdentity('{"body":{}}'); // ['wrapped in {status, body}: emit the body only', 'missing advertising_token', ...]
 * ```
 */
export function checkMobileIdentity(identityJson: string, now: number = Date.now()): string[] {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new Uid2Error('UID2_INVALID_INPUT', 'now must be a finite number of epoch milliseconds');
  }
  if (typeof identityJson !== 'string') return ['not a string'];
  if (identityJson.length > MAX_MOBILE_IDENTITY_LENGTH) {
    return [`longer than ${MAX_MOBILE_IDENTITY_LENGTH} characters`];
  }
  const identity = parseObject(identityJson);
  if (typeof identity === 'string') return [identity];
  const problems: string[] = [];
  if (Object.hasOwn(identity, 'body')) problems.push('wrapped in {status, body}: emit the body only');
  for (const key of KEYS) {
    if (!Object.hasOwn(identity, key)) problems.push(`missing ${key}`);
    // JSON.parse keeps the last of duplicate keys; the SDKs' parsers may not. Keys are matched in the
    // text: token values are base64 and cannot hold a quote, so a match is a key.
    else if ((identityJson.match(OCCURRENCES(key)) ?? []).length > 1) problems.push(`duplicate ${key}`);
  }
  for (const twin of CAMEL_TWINS) {
    if (Object.hasOwn(identity, twin)) problems.push(`camelCase twin ${twin}: emit the snake_case keys only`);
  }
  for (const key of STRING_KEYS) {
    if (Object.hasOwn(identity, key) && (typeof identity[key] !== 'string' || identity[key] === '')) {
      problems.push(`${key} must be a non-empty string`);
    }
  }
  problems.push(...checkTimes(identity, identityJson, now));
  const key = identity.refresh_response_key;
  if (typeof key === 'string' && decodeBase64Strict(key)?.length !== 32) {
    problems.push('refresh_response_key must be standard base64 of 32 bytes');
  }
  return problems;
}
