/**
 * The identity contract of the UID2 mobile SDKs (MOBILE.md, "What the server must emit"), as a check.
 */
import { decodeBase64Strict } from '../base64.js';

const KEYS = [
  'advertising_token',
  'refresh_token',
  'identity_expires',
  'refresh_from',
  'refresh_expires',
  'refresh_response_key',
];
const PLAIN_INTEGER = (name: string) => new RegExp(`"${name}"\\s*:\\s*-?\\d+\\s*[,}]`);

/**
 * Lists every way `identityJson` breaks what both the Android and iOS SDKs accept; empty when it is fine.
 * Checks the text itself too (integers must be bare digits: no quotes, fraction or exponent).
 *
 * @example
 * ```ts
 * const problems = mobileContractViolations(result.identityJson, Date.now());
 * if (problems.length) throw new Error(problems.join('; '));
 * ```
 */
export function mobileContractViolations(identityJson: string, now: number): string[] {
  const problems: string[] = [];
  let value: unknown;
  try {
    value = JSON.parse(identityJson);
  } catch {
    return ['not JSON'];
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return ['not a JSON object'];
  const identity = value as Record<string, unknown>;
  if ('body' in identity) problems.push('wrapped in {status, body}: emit the body only');
  for (const key of KEYS) if (!(key in identity)) problems.push(`missing ${key}`);
  for (const key of ['advertising_token', 'refresh_token', 'refresh_response_key']) {
    if (key in identity && (typeof identity[key] !== 'string' || identity[key] === ''))
      problems.push(`${key} must be a non-empty string`);
  }
  for (const key of ['identity_expires', 'refresh_from', 'refresh_expires']) {
    if (!(key in identity)) continue;
    if (!Number.isSafeInteger(identity[key]) || !PLAIN_INTEGER(key).test(identityJson)) {
      problems.push(`${key} must be a plain integer number of epoch milliseconds`);
    }
  }
  const key = identity.refresh_response_key;
  if (typeof key === 'string' && decodeBase64Strict(key)?.length !== 32) {
    problems.push('refresh_response_key must be standard base64 of 32 bytes');
  }
  const {
    identity_expires: expires,
    refresh_from: from,
    refresh_expires: refreshExpires,
  } = identity as Record<string, number>;
  if (typeof refreshExpires === 'number' && !(refreshExpires > now))
    problems.push('refresh_expires must be after now');
  if (typeof expires === 'number' && !(expires > now)) problems.push('identity_expires should be after now');
  if (typeof from === 'number' && typeof expires === 'number' && from > expires)
    problems.push('refresh_from must not be after identity_expires');
  return problems;
}
