/**
 * The Identity type, parsing and serialisation, and the timing predicates (PROTOCOL.md §8).
 * All times are epoch milliseconds, as on the wire; predicates take an optional `now` for tests.
 */
import { inspect } from 'node:util';
import { Uid2Error } from './errors.js';
import { checkShape, storedIdentitySchema } from './schemas.js';

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

/** A copy of a validated identity whose inspection redacts secrets (same own fields, same order). */
export function sealIdentity<T extends Identity>(identity: T): T {
  return Object.assign(Object.create(REDACTING_PROTOTYPE) as T, identity);
}

/**
 * Parses an identity from its JSON string (for example `identityJson` stored in a session) or from an
 * object. Throws `UID2_INVALID_IDENTITY` when it is not a usable identity (missing or mistyped fields,
 * timestamps that are not integer milliseconds, or a whole `{status, body}` response instead of `body`).
 *
 * @example
 * ```ts
 * const identity = parseIdentity(req.session.identityJson);
 * if (isDueForRefresh(identity)) await client.refreshToken(identity);
 * ```
 */
export function parseIdentity(json: string | object): Identity {
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch {
      throw new Uid2Error('UID2_INVALID_IDENTITY', 'identity is not valid JSON');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Uid2Error('UID2_INVALID_IDENTITY', 'identity must be a JSON object');
  }
  if ('body' in value && 'status' in value && !('advertising_token' in value)) {
    throw new Uid2Error(
      'UID2_INVALID_IDENTITY',
      'identity is a whole {status, body} response; pass its body (or use identityJson)',
    );
  }
  return sealIdentity(
    checkShape(storedIdentitySchema, value, 'identity is not usable', 'UID2_INVALID_IDENTITY') as Identity,
  );
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
 * if (isDueForRefresh(identity)) identity = await refresh(identity);
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
 * if (!isRefreshable(identity)) startSignInAgain();
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
