/**
 * zod schemas for what comes off the wire (decrypted responses) and for stored identities.
 * The only file that imports zod. Unknown fields are kept (loose objects), as the operator adds fields
 * over time and the mobile SDKs ignore them.
 */
import * as z from 'zod';
import { isAesKeyBase64 } from './base64.js';
import { Uid2Error, type Uid2ErrorCode } from './errors.js';

/** Canonical standard base64 of a 16-, 24- or 32-byte AES key (the operator issues 32 bytes). */
const aesKey = z.string().refine(isAesKeyBase64);

/** Epoch milliseconds: a JSON number that is a safe integer (no fraction, no exponent value). */
const epochMs = z.int();

/** The longest token accepted, characters (real ones: ~220 advertising, 388 refresh). */
export const MAX_TOKEN_LENGTH = 4096;

const identityFields = {
  advertising_token: z.string().min(1).max(MAX_TOKEN_LENGTH),
  refresh_token: z.string().min(1).max(MAX_TOKEN_LENGTH),
  identity_expires: epochMs,
  refresh_expires: epochMs,
  refresh_from: epochMs,
};

/** A v2 identity as the operator issues it: all six fields the mobile SDKs require. */
export const issuedIdentitySchema = z.looseObject({
  ...identityFields,
  refresh_response_key: aesKey,
});

/** A stored identity: a v1 identity has no `refresh_response_key` (its refresh answers are plain JSON). */
export const storedIdentitySchema = z.looseObject({
  ...identityFields,
  refresh_response_key: aesKey.optional(),
});

const IDENTITY_STRINGS = ['advertising_token', 'refresh_token'] as const;
const IDENTITY_TIMES = ['identity_expires', 'refresh_expires', 'refresh_from'] as const;

/**
 * The same test as `issuedIdentitySchema.safeParse(value).success`, written by hand for the hot path
 * (a test keeps the two in agreement on generated inputs).
 */
export function isIssuedIdentity(value: unknown): value is IssuedIdentityShape {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  for (const key of IDENTITY_STRINGS) {
    const field = record[key];
    if (typeof field !== 'string' || field.length === 0 || field.length > MAX_TOKEN_LENGTH) return false;
  }
  for (const key of IDENTITY_TIMES) if (!Number.isSafeInteger(record[key])) return false;
  const key = record.refresh_response_key;
  return typeof key === 'string' && isAesKeyBase64(key);
}

const withStatus = <S extends string>(status: S) => z.looseObject({ status: z.literal(status) });

/** Decrypted `/v2/token/generate` 200 answers (PROTOCOL.md §5.1). */
export const generateResponseSchema = z.discriminatedUnion('status', [
  z.looseObject({ status: z.literal('success'), body: issuedIdentitySchema }),
  withStatus('optout'),
  withStatus('insufficient_user_consent'),
]);

/**
 * Decrypted `/v2/token/refresh` 200 answers (PROTOCOL.md §5.2). The operator sends `expired_token` and
 * `invalid_token` as HTTP 400, but the mobile SDKs also accept them inside a 200, so we do too.
 */
export const refreshResponseSchema = z.discriminatedUnion('status', [
  z.looseObject({ status: z.literal('success'), body: issuedIdentitySchema }),
  withStatus('optout'),
  z.looseObject({ status: z.literal('expired_token'), message: z.string().optional() }),
  z.looseObject({ status: z.literal('invalid_token'), message: z.string().optional() }),
]);

/**
 * Decrypted `/v2/token/validate` 200 answers (PROTOCOL.md §14): `body` says whether the token was issued
 * for the DII.
 */
export const validateResponseSchema = z.looseObject({ status: z.literal('success'), body: z.boolean() });

export type IssuedIdentityShape = z.infer<typeof issuedIdentitySchema>;

/** Describes a zod failure by paths and issue codes only, never by values. */
function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
    return `${path}: ${issue.code}`;
  });
  const more = error.issues.length > 5 ? ` (+${error.issues.length - 5} more)` : '';
  return parts.join('; ') + more;
}

/**
 * Validates `raw` against `schema`, or throws a {@link Uid2Error} with `code` (default
 * `UID2_RESPONSE_INVALID`) naming the failing paths and issue codes, never values.
 */
export function checkShape<T>(
  schema: z.ZodType<T>,
  raw: unknown,
  what: string,
  code: Uid2ErrorCode = 'UID2_RESPONSE_INVALID',
): T {
  const checked = schema.safeParse(raw);
  if (!checked.success) throw new Uid2Error(code, `${what}: ${describeIssues(checked.error)}`);
  return checked.data;
}
