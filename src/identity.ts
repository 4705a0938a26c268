/**
 * The Identity type, parsing and serialisation, and the timing predicates (PROTOCOL.md §8).
 * All times are epoch milliseconds, as on the wire; predicates take an optional `now` for tests.
 */
import { inspect } from 'node:util';
import { Uid2Error } from './errors.js';
import { checkShape, storedIdentitySchema } from './schemas.js';
import { copyFields, parseWireJson } from './wire-json.js';

/**
 * The longest identity JSON `parseIdentity` reads, characters (16 KiB). An operator's identity is
 * about 700 characters; the cap bounds the work done for any input.
 */
export const MAX_IDENTITY_JSON_LENGTH = 16 * 1024;
/** The most fields an identity object may have (six known, the rest the operator's additions). */
export const MAX_IDENTITY_FIELDS = 64;

/**
 * A UID2/EUID identity with the operator's wire names. Unknown fields the operator sent are kept.
 * `refresh_response_key` is absent only for legacy v1 identities.
 *
 * @example
 * ```ts
 * const identity: Identity = parseIdentity(identityJson);
 * console.log(new Date(identity.refresh_from));
 * ```
 */
export interface Identity {
  /** The token to put in the bid stream. Opaque. */
  advertising_token: string;
  /** Sent as the raw body of `/v2/token/refresh`. Opaque. */
  refresh_token: string;
  /** Epoch ms after which the advertising token must not be used. */
  identity_expires: number;
  /** Epoch ms after which the refresh token is dead and only generate (with DII) helps. */
  refresh_expires: number;
  /** Epoch ms from which the identity should be refreshed. */
  refresh_from: number;
  /** Standard base64 AES key that decrypts the next refresh response (absent for v1 identities). */
  refresh_response_key?: string;
  /** Fields the operator added that this version does not know about. */
  [field: string]: unknown;
}

const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'advertising_token',
  'refresh_token',
  'refresh_response_key',
  'user_token',
]);

/**
 * A copy of an identity with token and key values replaced by their lengths, for logs.
 *
 * @example
 * ```ts
 * logger.info({ identity: redactIdentity(identity) }); // tokens shown as '[redacted 388 chars]'
 * ```
 */
export function redactIdentity(identity: Identity): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(identity)) {
    out[key] =
      SECRET_FIELDS.has(key) && typeof value === 'string' ? `[redacted ${value.length} chars]` : value;
  }
  return out;
}

/**
 * The prototype of identity objects: `util.inspect` / `console.log` show tokens as `[redacted]`.
 * It lives on the prototype, so `JSON.stringify`, spreading and `Object.keys` see only the wire fields,
 * and nothing is defined per object on the hot path.
 */
const REDACTING_PROTOTYPE = Object.freeze(
  Object.create(Object.prototype, {
    [inspect.custom]: {
      value(this: Identity, _depth: number, options: object) {
        return inspect(redactIdentity(this), options);
      },
    },
  }) as object,
);

/**
 * A copy of a validated identity whose inspection redacts secrets (same own fields, same order).
 * Fields are defined, not assigned, so a `__proto__` field can never replace the prototype.
 */
export function withRedaction<T extends Identity>(identity: T): T {
  return copyFields<T>(REDACTING_PROTOTYPE, identity);
}

/**
 * Parses an identity from its JSON string (for example `identityJson` stored in a session) or from an
 * object. Throws `UID2_INVALID_IDENTITY` when it is not a usable identity (missing or mistyped fields,
 * timestamps that are not integer milliseconds, or a whole `{status, body}` response instead of `body`).
 *
 * @example
 * ```ts
 * const identity = parseIdentity(session.identityJson);
 * if (isDueForRefresh(identity)) await client.refreshToken(identity);
 * ```
 */
export function parseIdentity(json: string | object): Identity {
  let value: unknown = json;
  if (typeof json === 'string') {
    if (json.length > MAX_IDENTITY_JSON_LENGTH) {
      throw new Uid2Error(
        'UID2_INVALID_IDENTITY',
        `identity JSON is longer than ${MAX_IDENTITY_JSON_LENGTH} characters`,
      );
    }
    value = parseWireJson(json, 'UID2_INVALID_IDENTITY', 'identity');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Uid2Error('UID2_INVALID_IDENTITY', 'identity must be a JSON object');
  }
  checkBounds(value);
  if ('body' in value && 'status' in value && !('advertising_token' in value)) {
    throw new Uid2Error(
      'UID2_INVALID_IDENTITY',
      'identity is a whole {status, body} response; pass its body (or use identityJson)',
    );
  }
  // zod builds its result by assignment, so it gets a prototype-free copy to read.
  const checked = checkShape(
    storedIdentitySchema,
    copyFields<object>(null, value),
    'identity is not usable',
    'UID2_INVALID_IDENTITY',
  ) as Identity;
  return withRedaction(checked);
}

/**
 * Bounds an identity object before any deeper look: a few dozen fields, each a JSON primitive or a
 * short string, so that no object can make parsing (or the later `JSON.stringify`) slow.
 */
function checkBounds(value: object): void {
  const keys = Object.keys(value);
  if (keys.length > MAX_IDENTITY_FIELDS) {
    throw new Uid2Error('UID2_INVALID_IDENTITY', `identity has more than ${MAX_IDENTITY_FIELDS} fields`);
  }
  if (Object.hasOwn(value, '__proto__')) {
    throw new Uid2Error('UID2_INVALID_IDENTITY', 'identity holds a forbidden "__proto__" field');
  }
  for (const key of keys) {
    const field = (value as Record<string, unknown>)[key];
    if (
      typeof field === 'string'
        ? field.length > MAX_IDENTITY_JSON_LENGTH
        : typeof field === 'object' && field !== null
    ) {
      throw new Uid2Error(
        'UID2_INVALID_IDENTITY',
        `identity field "${key.slice(0, 40)}" must be a number, boolean, null or a string of at most ${MAX_IDENTITY_JSON_LENGTH} characters`,
      );
    }
  }
}

/**
 * Serialises an identity as the flat JSON object the UID2 mobile SDKs accept (`UID2Identity.fromJson` on
 * Android, `JSONDecoder` with `.convertFromSnakeCase` on iOS). Timestamps stay integer milliseconds.
 *
 * @example
 * ```ts
 * res.end(identityToJson(identity));
 * ```
 */
export function identityToJson(identity: Identity): string {
  return JSON.stringify(identity);
}

/**
 * True when the identity should be refreshed: `now` is after `refresh_from` or after `identity_expires`
 * (the Java client's rule).
 *
 * @example
 * ```ts
 * if (isDueForRefresh(identity)) await client.refreshToken(identity);
 * ```
 */
export function isDueForRefresh(identity: Identity, now: number = Date.now()): boolean {
  return now > identity.refresh_from || now > identity.identity_expires;
}

/**
 * True while the refresh token can still be used: it exists and `now` is not after `refresh_expires`.
 *
 * @example
 * ```ts
 * if (!isRefreshable(identity)) signInAgain();
 * ```
 */
export function isRefreshable(identity: Identity, now: number = Date.now()): boolean {
  return (
    typeof identity.refresh_token === 'string' &&
    identity.refresh_token.length > 0 &&
    Number.isFinite(identity.refresh_expires) &&
    !(now > identity.refresh_expires)
  );
}

/**
 * True when the advertising token has expired: `now` is after `identity_expires`.
 *
 * @example
 * ```ts
 * const token = hasExpired(identity) ? undefined : identity.advertising_token;
 * ```
 */
export function hasExpired(identity: Identity, now: number = Date.now()): boolean {
  return now > identity.identity_expires;
}
