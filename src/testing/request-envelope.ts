/**
 * The operator's request-envelope checks a–j (PROTOCOL.md §2.2), in their order and with their exact
 * messages, plus the binary-mode fallback. Decryption reuses `gcmOpen` from the client's envelope code.
 */
import {
  ENVELOPE_VERSION,
  gcmOpen,
  IV_LENGTH,
  NONCE_LENGTH,
  PREFIX_LENGTH,
  TAG_LENGTH,
} from '../envelope.js';
import { javaBase64Decode } from './java-base64.js';
import type { OperatorScope } from './types.js';

/**
 * 1 version + 12 IV + 16 tag + 8 timestamp + 8 nonce (V2RequestUtil MIN_PAYLOAD_LENGTH).
 *
 * @example
 * ```ts
 * bytes.length < MIN_ENVELOPE_LENGTH; // 45: 'Body too short'
 * ```
 */
export const MIN_ENVELOPE_LENGTH = 1 + IV_LENGTH + TAG_LENGTH + PREFIX_LENGTH;

/**
 * A parsed envelope (`payload` is null for a 16-byte plaintext) or the operator's error message.
 *
 * @example
 * ```ts
 * const result: EnvelopeResult = parseRequestEnvelope(body, false, secret, now, 'uid2');
 * ```
 */
export type EnvelopeResult =
  | { ok: true; nonce: Buffer; payload: Record<string, unknown> | null; binary: boolean }
  | { ok: false; message: string };

/** The docs link that ends most messages; the host follows the operator's identity scope. */
function hint(scope: OperatorScope): string {
  const host = scope === 'euid' ? 'https://euid.eu' : 'https://unifiedid.com';
  return ` See ${host}/docs/getting-started/gs-encryption-decryption for details on the request envelope format.`;
}

function unencrypted(scope: OperatorScope): string {
  const host = scope === 'euid' ? 'https://euid.eu' : 'https://unifiedid.com';
  return (
    'Invalid body: The request body is unencrypted JSON. It must be an encrypted request envelope. ' +
    `See ${host}/docs/getting-started/gs-encryption-decryption#encryption-and-decryption-code-examples ` +
    'for encryption and decryption code examples.'
  );
}

/** Whether `text` parses as a JSON object (the operator's "looks like unencrypted JSON" test). */
function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * Java's `Duration.between(ts, now).toMinutes()`: whole seconds are floored (the nanos part is always
 * positive), then divided with truncation. This is why the window is asymmetric: 119 999 ms in the
 * past passes, 120 000 fails; 119 000 ms in the future passes, 119 001 fails.
 */
function driftMinutes(timestamp: number, now: number): number {
  return Math.trunc(Math.floor((now - timestamp) / 1000) / 60);
}

/** Checks c–j on envelope bytes (binary body, or a decoded base64 body). */
function parseBytes(
  bytes: Buffer,
  secret: Buffer,
  now: number,
  scope: OperatorScope,
  binary: boolean,
): EnvelopeResult {
  if (bytes.length === 0) return { ok: false, message: 'Invalid body: Body is missing.' };
  if (bytes.length < MIN_ENVELOPE_LENGTH) {
    if (isJsonObject(bytes.toString('utf8'))) return { ok: false, message: unencrypted(scope) };
    return { ok: false, message: `Invalid body: Body too short. Check encryption method.${hint(scope)}` };
  }
  const version = bytes[0] as number;
  if (version !== ENVELOPE_VERSION) {
    if (isJsonObject(bytes.toString('utf8'))) return { ok: false, message: unencrypted(scope) };
    return {
      ok: false,
      message: `Invalid body: Invalid request envelope format version: received ${version}, must be 1.${hint(scope)}`,
    };
  }
  const plaintext = gcmOpen(secret, bytes, 1);
  if (plaintext === null) {
    return { ok: false, message: `Invalid body: Check encryption key (ClientSecret).${hint(scope)}` };
  }
  const timestamp = Number(plaintext.readBigInt64BE(0));
  if (Math.abs(driftMinutes(timestamp, now)) > 1) {
    return { ok: false, message: 'Invalid timestamp: Request too old or client time drift.' };
  }
  const nonce = Buffer.from(plaintext.subarray(8, 8 + NONCE_LENGTH));
  if (plaintext.length === PREFIX_LENGTH) return { ok: true, nonce, payload: null, binary };
  let payload: unknown;
  try {
    payload = JSON.parse(plaintext.toString('utf8', PREFIX_LENGTH));
  } catch {
    payload = undefined;
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return { ok: false, message: 'Invalid payload in body: Data is not valid json string.' };
  }
  return { ok: true, nonce, payload: payload as Record<string, unknown>, binary };
}

/** Text mode: checks a and b, then c–j on the decoded bytes. */
function parseText(text: string, secret: Buffer, now: number, scope: OperatorScope): EnvelopeResult {
  const bytes = javaBase64Decode(text);
  if (bytes === null) {
    if (isJsonObject(text)) return { ok: false, message: unencrypted(scope) };
    return { ok: false, message: `Invalid body: Body is not valid base64.${hint(scope)}` };
  }
  return parseBytes(bytes, secret, now, scope, false);
}

/**
 * Parses a generate request body the way V2RequestUtil.parseRequest does. In binary mode a failure
 * falls back to reading the body as base64 text; once that text decodes, its outcome (success or
 * error) wins and the request counts as text mode.
 *
 * @example
 * ```ts
 * const result = parseRequestEnvelope(body, false, client.secret, Date.now(), 'uid2');
 * if (!result.ok) reply400(result.message);
 * ```
 */
export function parseRequestEnvelope(
  body: Buffer,
  binary: boolean,
  secret: Buffer,
  now: number,
  scope: OperatorScope,
): EnvelopeResult {
  if (!binary) return parseText(body.toString('utf8'), secret, now, scope);
  const first = parseBytes(body, secret, now, scope, true);
  if (first.ok) return first;
  const text = body.toString('utf8');
  if (javaBase64Decode(text) === null) return first;
  return parseText(text, secret, now, scope);
}
