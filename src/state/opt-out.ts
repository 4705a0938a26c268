/**
 * Opt-out memory: the store interface, the subject a DII is remembered under, and the keyed hash
 * every built-in store applies before anything touches storage.
 *
 * Why a keyed hash: the subject carries the plain SHA-256 of an email or phone, and a plain SHA-256 of
 * an email is reversible by anyone holding a list of emails. HMAC-SHA256 under a secret that lives only
 * in the application's configuration turns a leaked file or Redis dump into opaque bytes.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { decodeBase64Strict } from '../base64.js';
import { Uid2Error } from '../errors.js';
import { type GenerateInput, type TokenGenerateRequest, toTokenGenerateRequest } from '../input.js';
import { decodeSecretKey, type SecretKeyInput } from '../keys.js';

/**
 * Where a back end remembers which DII opted out, so `generateToken` need not ask the operator again.
 * Each method may answer synchronously or with a promise. `subject` is an opaque string made by
 * {@link optOutSubject}; a store should keep only a keyed hash of it ({@link OptOutHasher}).
 *
 * @example
 * ```ts
 * class MyStore implements OptOutStore {
 *   readonly #hasher = new OptOutHasher(process.env.UID2_OPTOUT_KEY!);
 *   readonly #db = new Set<string>();
 *   has(subject: string) { return this.#db.has(this.#hasher.storageKey(subject)); }
 *   add(subject: string) { this.#db.add(this.#hasher.storageKey(subject)); }
 * }
 * ```
 */
export interface OptOutStore {
  /** True when `subject` was recorded. May throw or reject when the store is unavailable. */
  has(subject: string): boolean | Promise<boolean>;
  /** Records `subject`. Recording it twice is not an error. */
  add(subject: string): void | Promise<void>;
  /** Releases what the store opened. Idempotent. */
  close?(): void | Promise<void>;
}

/**
 * The identifier type of a subject: what the operator calls `email_hash` or `phone_hash`.
 *
 * @example
 * ```ts
 * const type: OptOutSubjectType = 'email';
 * ```
 */
export type OptOutSubjectType = 'email' | 'phone';

const HASH_LENGTH = 44;
// The literal label keeps these HMACs apart from any other use of the same key (e.g. sealing).
const STORAGE_LABEL = 'uid2-publisher/opt-out/v1\u0000';

function inputError(message: string): Uid2Error {
  return new Uid2Error('UID2_INVALID_INPUT', message);
}

function isHash(hash: unknown): hash is string {
  return typeof hash === 'string' && hash.length === HASH_LENGTH && decodeBase64Strict(hash)?.length === 32;
}

/**
 * The subject an opt-out is remembered under: `email:<hash>` or `phone:<hash>`, where `hash` is the
 * 44-character standard base64 SHA-256 of the normalised DII (the request's `email_hash` /
 * `phone_hash`). Throws `UID2_INVALID_INPUT` for anything else.
 *
 * @example
 * ```ts
 * optOutSubject('email', hashEmail('jane.doe@gmail.com')); // 'email:...' (same as for 'janedoe@gmail.com')
 * ```
 */
export function optOutSubject(type: OptOutSubjectType, hash: string): string {
  if (type !== 'email' && type !== 'phone')
    throw inputError('opt-out subject type must be "email" or "phone"');
  if (!isHash(hash)) {
    throw inputError('opt-out subject hash must be a SHA-256 as 44-char standard base64 (with "=" padding)');
  }
  return `${type}:${hash}`;
}

/**
 * The subject of a generate input (`{ email }`, `{ phone }`, `{ emailHash }` or `{ phoneHash }`),
 * normalised and hashed exactly as the request would be: emails that the operator treats as one
 * (case, gmail dots, `+tags`) share one subject. Throws `UID2_INVALID_INPUT` like `generateToken`.
 *
 * @example
 * ```ts
 * optOutSubjectOf({ email: 'Jane.Doe+news@GMail.com' }) === optOutSubjectOf({ email: 'janedoe@gmail.com' }); // true
 * ```
 */
export function optOutSubjectOf(input: GenerateInput): string {
  return optOutSubjectOfRequest(toTokenGenerateRequest(input));
}

/** The subject of an already built generate request (its `email_hash` or `phone_hash`). */
export function optOutSubjectOfRequest(request: TokenGenerateRequest): string {
  return request.email_hash !== undefined
    ? optOutSubject('email', request.email_hash)
    : optOutSubject('phone', request.phone_hash as string);
}

/** True for a string {@link optOutSubject} could have produced. */
function isSubject(subject: unknown): subject is string {
  if (typeof subject !== 'string' || subject.length !== HASH_LENGTH + 6) return false;
  return (subject.startsWith('email:') || subject.startsWith('phone:')) && isHash(subject.slice(6));
}

/**
 * The keyed derivation every built-in store uses: `storageKey(subject)` is HMAC-SHA256 under a 32-byte
 * secret of a domain-separation label and the subject, as 43 characters of base64url. Use it in your own
 * {@link OptOutStore} so that no plain DII hash ever reaches your storage. The key is held privately:
 * `util.inspect` and `JSON.stringify` never show it.
 *
 * @example
 * ```ts
 * const hasher = new OptOutHasher(process.env.UID2_OPTOUT_KEY!);
 * const storageKey = hasher.storageKey(optOutSubject('email', hashEmail(email))); // your store's key
 * ```
 */
export class OptOutHasher {
  readonly #key: KeyObject;

  /**
   * @param key 32 bytes: canonical standard base64 (44 characters) or the bytes. Generate one with
   *   `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`.
   * @param what the option name used in the `UID2_INVALID_CONFIG` error when `key` is bad.
   */
  constructor(key: SecretKeyInput, what = 'key') {
    this.#key = createSecretKey(decodeSecretKey(key, what));
  }

  /**
   * The storage key of `subject`. Throws `UID2_INVALID_INPUT` when `subject` is not an
   * {@link optOutSubject} (a raw email passed by mistake is refused, not silently hashed).
   */
  storageKey(subject: string): string {
    if (!isSubject(subject)) {
      throw inputError('opt-out subject must come from optOutSubject() or optOutSubjectOf()');
    }
    return createHmac('sha256', this.#key).update(STORAGE_LABEL).update(subject).digest('base64url');
  }

  /** What `JSON.stringify` shows: the class name, never the key. */
  toJSON(): Record<string, string> {
    return { type: 'OptOutHasher' };
  }

  [inspect.custom](): string {
    return 'OptOutHasher { key: [redacted] }';
  }
}
