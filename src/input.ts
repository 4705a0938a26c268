/**
 * Generate inputs: validation, email and phone normalisation, SHA-256 + base64.
 *
 * Email normalisation follows the UID2 operator's `InputUtil.normalizeEmailString` (PROTOCOL.md §6.1),
 * because the operator is the reference for what a raw email hashes to. Raw DII never leaves this module:
 * the request carries `email_hash` / `phone_hash` only.
 */
import { createHash } from 'node:crypto';
import { decodeBase64Strict } from './base64.js';
import { Uid2Error } from './errors.js';

interface ConsentOption {
  /** IAB TCF consent string. Evaluated by EUID operators only; UID2 ignores it. */
  tcfConsentString?: string;
}

/**
 * Generate from a raw email address (normalised and hashed locally).
 *
 * @example
 * ```ts
 * await client.generateToken({ email: 'user@example.com' });
 * ```
 */
export interface EmailInput extends ConsentOption {
  email: string;
  phone?: never;
  emailHash?: never;
  phoneHash?: never;
}
/**
 * Generate from an E.164 phone number such as `+12345678901` (hashed locally).
 *
 * @example
 * ```ts
 * await client.generateToken({ phone: '+12345678901' });
 * ```
 */
export interface PhoneInput extends ConsentOption {
  phone: string;
  email?: never;
  emailHash?: never;
  phoneHash?: never;
}
/**
 * Generate from a SHA-256 of a normalised email: 44-char standard base64, or 64-char hex.
 *
 * @example
 * ```ts
 * await client.generateToken({ emailHash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' });
 * ```
 */
export interface EmailHashInput extends ConsentOption {
  emailHash: string;
  email?: never;
  phone?: never;
  phoneHash?: never;
}
/**
 * Generate from a SHA-256 of an E.164 phone number: 44-char standard base64, or 64-char hex.
 *
 * @example
 * ```ts
 * await client.generateToken({ phoneHash: 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=' });
 * ```
 */
export interface PhoneHashInput extends ConsentOption {
  phoneHash: string;
  email?: never;
  phone?: never;
  emailHash?: never;
}

/**
 * What `generateToken` accepts: exactly one identifier, plus an optional TCF consent string.
 *
 * @example
 * ```ts
 * const input: GenerateInput = { email: 'user@example.com' };
 * const euidInput: GenerateInput = { phone: '+12345678901', tcfConsentString: 'CPhJRpMPhJRpMABAMBFRACBoALAAAEJAAIYgAKwAQAKgArABAAqAAA' };
 * ```
 */
export type GenerateInput = EmailInput | PhoneInput | EmailHashInput | PhoneHashInput;

/**
 * The JSON object sent inside the request envelope, with the operator's field names. The client always
 * sends a hash; `email`/`phone` exist for the operator side and for bring-your-own-request callers.
 *
 * @example
 * ```ts
 * const request: TokenGenerateRequest = { email_hash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' };
 * encryptRequestEnvelope(secret, request);
 * ```
 */
export interface TokenGenerateRequest {
  email?: string;
  email_hash?: string;
  phone?: string;
  phone_hash?: string;
  tcf_consent_string?: string;
}

/**
 * Longest email accepted, UTF-16 code units (1024). RFC 5321 allows 64 octets of local part and 255 of
 * domain (320 in all, and never more code units than octets), so every address it allows fits, with
 * room for the spaces the operator strips. The cap bounds the work done for any input.
 */
export const MAX_EMAIL_LENGTH = 1024;
/** Longest TCF consent string accepted, characters. */
export const MAX_TCF_LENGTH = 8192;

const IDENTIFIER_KEYS = ['email', 'phone', 'emailHash', 'phoneHash'] as const;
const ALLOWED_KEYS: ReadonlySet<string> = new Set([...IDENTIFIER_KEYS, 'tcfConsentString']);
const HEX_HASH = /^[0-9A-Fa-f]{64}$/;
// TCF strings are base64url segments joined by dots; some tools emit standard base64.
const TCF_STRING = /^[A-Za-z0-9_.+/=-]+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function invalid(message: string): Uid2Error {
  return new Uid2Error('UID2_INVALID_INPUT', message);
}

/**
 * Normalises an email exactly as the UID2 operator does, or returns `null` when the operator would call it
 * invalid: every space before `@` is dropped, trailing domain spaces are dropped, only ASCII `A-Z` is
 * lowercased, and for `gmail.com` the dots and any `+suffix` of the local part are removed.
 *
 * @example
 * ```ts
 * normalizeEmail('  Jane.Doe+home@GMail.com '); // 'janedoe@gmail.com'
 * normalizeEmail('a@ba@z.com');                  // null
 * ```
 */
export function normalizeEmail(email: string): string | null {
  if (typeof email !== 'string' || email.length > MAX_EMAIL_LENGTH) return null;
  let local = '';
  let gmailLocal = '';
  let domain = '';
  let pendingSpaces = '';
  let inDomain = false;
  let inExtension = false;
  for (let i = 0; i < email.length; i++) {
    let c = email[i] as string;
    const code = c.charCodeAt(0);
    if (code >= 65 && code <= 90) c = String.fromCharCode(code + 32);
    if (!inDomain) {
      // The operator's parser never leaves its "starting" state, so it skips every space before '@'.
      if (c === ' ') continue;
      if (c === '@') {
        inDomain = true;
      } else if (c === '.') {
        local += c;
      } else if (c === '+') {
        local += c;
        inExtension = true;
      } else {
        local += c;
        if (!inExtension) gmailLocal += c;
      }
    } else {
      if (c === '@') return null;
      if (c === ' ') {
        pendingSpaces += c;
        continue;
      }
      domain += pendingSpaces + c;
      pendingSpaces = '';
    }
  }
  if (domain.length === 0) return null;
  const localToUse = domain === 'gmail.com' ? gmailLocal : local;
  if (localToUse.length === 0) return null;
  return `${localToUse}@${domain}`;
}

/** SHA-256 of the UTF-8 bytes of `value` (32 bytes). */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** True for a SHA-256 written as 64 hex digits, either case (the operator accepts those as hashes). */
export function isHexSha256(value: string): boolean {
  return HEX_HASH.test(value);
}

/**
 * SHA-256 of the UTF-8 bytes of `value`, as standard base64 with padding (44 characters).
 *
 * @example
 * ```ts
 * sha256Base64('user@example.com'); // 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ='
 * ```
 */
export function sha256Base64(value: string): string {
  return sha256(value).toString('base64');
}

/**
 * Normalises and hashes an email the way UID2 expects (`email_hash`).
 * Throws `UID2_INVALID_INPUT` for anything the operator would reject.
 *
 * @example
 * ```ts
 * hashEmail('USER@example.com'); // 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ='
 * ```
 */
export function hashEmail(email: string): string {
  if (typeof email !== 'string') throw invalid('email must be a string');
  if (email.length > MAX_EMAIL_LENGTH) throw invalid(`email is longer than ${MAX_EMAIL_LENGTH} characters`);
  if (LONE_SURROGATE.test(email)) throw invalid('email is not well-formed Unicode (lone surrogate)');
  const normalized = normalizeEmail(email);
  if (normalized === null) throw invalid('email is not a valid email address');
  return sha256Base64(normalized);
}

/**
 * True when `phone` is already E.164-normalised as the operator requires: `+` then 10 to 15 ASCII digits.
 *
 * @example
 * ```ts
 * isNormalizedPhone('+12345678901');    // true
 * isNormalizedPhone('1 (234) 567-8901'); // false
 * ```
 */
export function isNormalizedPhone(phone: string): boolean {
  if (typeof phone !== 'string' || phone.length < 11 || phone.length > 16 || phone[0] !== '+') return false;
  for (let i = 1; i < phone.length; i++) {
    const code = phone.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * Hashes an E.164 phone number the way UID2 expects (`phone_hash`). The operator never normalises
 * phones, so anything but `+` and 10 to 15 digits throws `UID2_INVALID_INPUT`.
 *
 * @example
 * ```ts
 * hashPhone('+12345678901'); // 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4='
 * ```
 */
export function hashPhone(phone: string): string {
  if (!isNormalizedPhone(phone)) {
    throw invalid('phone must be E.164: "+" followed by 10 to 15 digits, with no spaces or punctuation');
  }
  return sha256Base64(phone);
}

/**
 * Checks a caller-supplied SHA-256 and returns it as 44-char standard base64. Accepts 44-char base64
 * that decodes to 32 bytes, or 64 hex characters (converted, as the operator does).
 *
 * @example
 * ```ts
 * normalizeHash('b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514', 'emailHash');
 * // 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ='
 * ```
 */
export function normalizeHash(hash: string, field: 'emailHash' | 'phoneHash'): string {
  if (typeof hash !== 'string') throw invalid(`${field} must be a string`);
  if (hash.length !== 44 && hash.length !== 64) {
    throw invalid(
      `${field} must be a SHA-256 as 44-char standard base64 (with "=" padding) or 64 hex characters`,
    );
  }
  if (isHexSha256(hash)) return Buffer.from(hash, 'hex').toString('base64');
  if (decodeBase64Strict(hash)?.length === 32) return hash;
  throw invalid(
    `${field} must be a SHA-256 as 44-char standard base64 (with "=" padding) or 64 hex characters`,
  );
}

function checkConsent(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_TCF_LENGTH ||
    !TCF_STRING.test(value)
  ) {
    throw invalid('tcfConsentString must be a non-empty TCF consent string (base64url characters and dots)');
  }
  return value;
}

/**
 * Validates a {@link GenerateInput} and builds the request JSON object the operator receives, hashing
 * raw DII locally. Throws `UID2_INVALID_INPUT` before anything is sent.
 *
 * @example
 * ```ts
 * toTokenGenerateRequest({ email: 'USER@example.com' });
 * // { email_hash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' }
 * ```
 */
export function toTokenGenerateRequest(input: GenerateInput): TokenGenerateRequest {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalid('input must be an object such as { email } or { phone }');
  }
  const record = input as unknown as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!ALLOWED_KEYS.has(key)) {
      throw invalid(`unknown input property "${key.slice(0, 32)}"; use email, phone, emailHash or phoneHash`);
    }
  }
  const present = IDENTIFIER_KEYS.filter((key) => record[key] !== undefined);
  if (present.length !== 1) {
    throw invalid(
      `exactly one of email, phone, emailHash, phoneHash must be given (got ${present.length === 0 ? 'none' : present.join(' and ')})`,
    );
  }
  const consent = checkConsent(record.tcfConsentString);
  let request: TokenGenerateRequest;
  switch (present[0]) {
    case 'email':
      request = { email_hash: hashEmail(record.email as string) };
      break;
    case 'phone':
      request = { phone_hash: hashPhone(record.phone as string) };
      break;
    case 'emailHash':
      request = { email_hash: normalizeHash(record.emailHash as string, 'emailHash') };
      break;
    default:
      request = { phone_hash: normalizeHash(record.phoneHash as string, 'phoneHash') };
  }
  if (consent !== undefined) request.tcf_consent_string = consent;
  return request;
}
