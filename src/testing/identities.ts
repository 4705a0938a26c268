/**
 * Identities on the operator side: the operator's input rules (PROTOCOL.md §4.2, §6), the built-in
 * test identities (§9) and the opt-out list. Everything is matched on identity type plus hash, so the
 * raw and hashed forms of one identity behave the same.
 */
import { createHash } from 'node:crypto';
import { Uid2Error } from '../errors.js';
import { isHexSha256, isNormalizedPhone, normalizeEmail, sha256 } from '../input.js';
import { javaBase64Decode } from './java-base64.js';
import type { IdentityType } from './types.js';

/**
 * One identity, as the control API and the `optOut` option take it. Hashes follow the operator's rule:
 * 44-char base64 or 64 hex characters.
 *
 * @example
 * ```ts
 * const who: Identifier = { email: 'user@example.com' };
 * const alsoWho: Identifier = { emailHash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' };
 * ```
 */
export type Identifier =
  | { email: string }
  | { phone: string }
  | { emailHash: string }
  | { phoneHash: string };

/**
 * An identity reduced to what the operator keeps: its type and the decoded identity hash.
 *
 * @example
 * ```ts
 * const who: IdentityHash = identityFromIdentifier({ phone: '+12345678901' });
 * ```
 */
export interface IdentityHash {
  type: IdentityType;
  hash: Buffer;
}

/**
 * The four request fields of `/v2/token/generate`.
 *
 * @example
 * ```ts
 * identityFromField('phone_hash' satisfies IdentityField, 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=');
 * ```
 */
export type IdentityField = 'email' | 'email_hash' | 'phone' | 'phone_hash';

/**
 * The operator's hash rule (§6.4): 44 chars the Java basic decoder accepts (the decoded length is not
 * checked) or 64 hex chars. Stricter than the client's `normalizeHash`, on purpose: it is what the
 * operator answers, not what a careful client sends.
 *
 * @example
 * ```ts
 * decodeOperatorHash('A'.repeat(44))?.length; // 33: accepted, as on the operator
 * decodeOperatorHash('abc'); // null
 * ```
 */
export function decodeOperatorHash(value: string): Buffer | null {
  if (value.length === 44) return javaBase64Decode(value);
  if (isHexSha256(value)) return Buffer.from(value, 'hex');
  return null;
}

/**
 * Normalises one generate field the way the operator does; null means `Invalid Identifier`.
 *
 * @example
 * ```ts
 * identityFromField('email', ' User@Example.com')?.hash.toString('base64');
 * // 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ='
 * ```
 */
export function identityFromField(field: IdentityField, value: string): IdentityHash | null {
  switch (field) {
    case 'email': {
      const normalized = normalizeEmail(value);
      return normalized === null ? null : { type: 'email', hash: sha256(normalized) };
    }
    case 'phone':
      return isNormalizedPhone(value) ? { type: 'phone', hash: sha256(value) } : null;
    case 'email_hash': {
      const hash = decodeOperatorHash(value);
      return hash === null ? null : { type: 'email', hash };
    }
    case 'phone_hash': {
      const hash = decodeOperatorHash(value);
      return hash === null ? null : { type: 'phone', hash };
    }
  }
}

/**
 * An {@link Identifier} as an identity hash; throws `UID2_INVALID_INPUT` where generate would 400.
 *
 * @example
 * ```ts
 * identityFromIdentifier({ emailHash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' }).type; // 'email'
 * ```
 */
export function identityFromIdentifier(identifier: Identifier): IdentityHash {
  // Keys set to undefined are absent, as in the client's own input objects.
  const entries =
    identifier !== null && typeof identifier === 'object'
      ? Object.entries(identifier).filter(([, value]) => value !== undefined)
      : [];
  const fields: Record<string, IdentityField> = {
    email: 'email',
    phone: 'phone',
    emailHash: 'email_hash',
    phoneHash: 'phone_hash',
  };
  const [entry] = entries;
  const field = entry === undefined ? undefined : fields[entry[0]];
  if (entries.length !== 1 || entry === undefined || field === undefined || typeof entry[1] !== 'string') {
    throw new Uid2Error(
      'UID2_INVALID_INPUT',
      'identifier must be exactly one of email, phone, emailHash, phoneHash',
    );
  }
  const identity = identityFromField(field, entry[1]);
  if (identity === null) throw new Uid2Error('UID2_INVALID_INPUT', `identifier ${entry[0]} is not valid`);
  return identity;
}

/**
 * The built-in test identities exactly as the operator defines them (IdentityConst and
 * UIDOperatorService), which differ from the docs' generate-page table for phones.
 *
 * @example
 * ```ts
 * TEST_IDENTITIES.find((t) => t.generate === 'optout'); // { identifier: { email: 'optout@example.com' }, ... }
 * ```
 */
export const TEST_IDENTITIES: readonly {
  identifier: Identifier;
  generate: 'success' | 'optout';
  refresh: 'success' | 'optout';
}[] = Object.freeze([
  { identifier: { email: 'validate@example.com' }, generate: 'success', refresh: 'success' },
  { identifier: { phone: '+12345678901' }, generate: 'success', refresh: 'success' },
  { identifier: { email: 'optout@example.com' }, generate: 'optout', refresh: 'optout' },
  { identifier: { phone: '+00000000000' }, generate: 'optout', refresh: 'optout' },
  { identifier: { email: 'refresh-optout@example.com' }, generate: 'success', refresh: 'optout' },
  { identifier: { phone: '+00000000002' }, generate: 'success', refresh: 'optout' },
]);

/**
 * Keeps identities as salted first-level hashes, as tokens do, and answers the opt-out question for
 * generate and refresh (validate identities bypass the list; refresh-optout ones opt out on refresh).
 *
 * @example
 * ```ts
 * const optOuts = new OptOutRegistry(randomBytes(32));
 * optOuts.add(identityFromIdentifier({ email: 'gone@example.com' }));
 * ```
 */
export class OptOutRegistry {
  readonly #salt: Buffer;
  readonly #optedOut = new Set<string>();
  readonly #testRules = new Map<string, { generate: boolean; refresh: boolean }>();

  constructor(salt: Buffer) {
    this.#salt = salt;
    for (const test of TEST_IDENTITIES) {
      const identity = identityFromIdentifier(test.identifier);
      this.#testRules.set(this.#keyOf(identity.type, this.firstLevelHash(identity)), {
        generate: test.generate === 'optout',
        refresh: test.refresh === 'optout',
      });
    }
  }

  /** What tokens hold instead of the identity hash: SHA-256(hash || operator salt). */
  firstLevelHash(identity: IdentityHash): Buffer {
    return createHash('sha256').update(identity.hash).update(this.#salt).digest();
  }

  #keyOf(type: IdentityType, firstLevelHash: Buffer): string {
    return `${type}:${firstLevelHash.toString('base64')}`;
  }

  /** Adds an identity to the opt-out list. */
  add(identity: IdentityHash): void {
    this.#optedOut.add(this.#keyOf(identity.type, this.firstLevelHash(identity)));
  }

  /** Number of identities on the list (test identities excluded). */
  get size(): number {
    return this.#optedOut.size;
  }

  /** Empties the list; the built-in test identities keep their behaviour. */
  clear(): void {
    this.#optedOut.clear();
  }

  /** Whether the operator answers `optout` for this identity on generate or on refresh. */
  isOptedOut(type: IdentityType, firstLevelHash: Buffer, forRefresh: boolean): boolean {
    const key = this.#keyOf(type, firstLevelHash);
    const rule = this.#testRules.get(key);
    if (rule !== undefined) return forRefresh ? rule.refresh : rule.generate;
    return this.#optedOut.has(key);
  }
}
