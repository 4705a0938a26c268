/**
 * The result shapes every endpoint shares, and how a validated identity becomes a success result.
 * Documented operator outcomes that are not faults are statuses, not errors. Each endpoint's own
 * union lives in its file under endpoints/.
 */
import { inspect } from 'node:util';
import { Uid2Error } from './errors.js';
import { hasExpired, type Identity, redactIdentity, withRedaction } from './identity.js';
import { isIssuedIdentity } from './schemas.js';
import { parseWireJson } from './wire-json.js';

/**
 * A new identity: `identityJson` is the exact string to hand to the mobile app's UID2 SDK.
 *
 * @example
 * ```ts
 * if (result.status === 'success') res.end(result.identityJson);
 * ```
 */
export interface IdentityIssued {
  readonly status: 'success';
  /** The parsed identity (wire field names, unknown fields kept). */
  readonly identity: Identity;
  /** The flat identity JSON object (never the `{status, body}` wrapper), timestamps in integer ms. */
  readonly identityJson: string;
}

/**
 * The user opted out: remember it and do not call generate again for this DII. On generate,
 * `remembered` says whether the answer came from the client's opt-out store (no request was sent)
 * or fresh from the operator (and was then recorded, when a store is configured).
 *
 * @example
 * ```ts
 * if (result.status === 'optout' && !result.remembered) log.info('new opt-out');
 * ```
 */
export interface OptedOut {
  readonly status: 'optout';
  /** Generate only: true when the opt-out store answered and no request was sent. */
  readonly remembered?: boolean;
}

/**
 * The identity is not yet due for refresh (`refresh_from` has not passed): returned by
 * `refreshIfDue` without a request.
 *
 * @example
 * ```ts
 * const r = await client.refreshIfDue(identity);
 * if (r.status === 'current' || r.status === 'success') reply(r.identity.advertising_token);
 * ```
 */
export interface IdentityCurrent {
  readonly status: 'current';
  /** The identity as given (validated). */
  readonly identity: Identity;
  /** Its JSON, as for a success. */
  readonly identityJson: string;
}

/** Results that carry an identity; inspecting them shows lengths instead of tokens (prototype hook). */
class IdentityResult<S extends 'success' | 'current'> {
  readonly status: S;
  readonly identity: Identity;
  readonly identityJson: string;

  constructor(status: S, identity: Identity, identityJson: string) {
    this.status = status;
    this.identity = identity;
    this.identityJson = identityJson;
  }

  [inspect.custom](_depth: number, options: object): string {
    const view = {
      status: this.status,
      identity: redactIdentity(this.identity),
      identityJson: `[redacted ${this.identityJson.length} chars]`,
    };
    return inspect(view, options);
  }
}

/**
 * Builds a success result from an already validated body, keeping the operator's field order;
 * `identityJson` is the operator's own text of the body when the caller has it (see
 * {@link readSuccessAnswer}), otherwise the body serialised.
 */
export function identityIssued(body: Identity, identityJson?: string): IdentityIssued {
  const identity = withRedaction(body);
  return new IdentityResult('success', identity, identityJson ?? JSON.stringify(identity));
}

/** How the operator writes a success (Java map order, compact): `{"body":{…},"status":"success"}`. */
const SUCCESS_PREFIX = '{"body":';
const SUCCESS_SUFFIX = ',"status":"success"}';
const TIMES = ['"identity_expires":', '"refresh_expires":', '"refresh_from":'] as const;

/**
 * True when the (last) `"key":` in the text is followed by digits only, up to `,` or `}`: the number is
 * written as the plain integer the SDKs read, not as `1.7e12` or `1700000000000.0`. The key cannot sit
 * inside a string value: a quote there would be escaped.
 */
function writtenAsPlainInteger(text: string, key: string): boolean {
  let i = text.lastIndexOf(key);
  if (i === -1) return false;
  i += key.length;
  const start = i;
  for (let code = text.charCodeAt(i); code >= 48 && code <= 57; code = text.charCodeAt(++i));
  const next = text.charCodeAt(i);
  return i > start && (next === 44 || next === 125);
}

/**
 * The fast path for the common answer, a success in the operator's own layout: only the body's text
 * is parsed, and that text becomes `identityJson` as it is (no re-serialisation). `JSON.parse` of the
 * slice succeeding proves it is one complete JSON value, so the whole answer is exactly a two-member
 * object and no second `body` can hide in it. The text is kept only when it is a well-formed identity
 * whose timestamps are written as plain integers (what the mobile SDKs read); anything else returns
 * undefined and takes the general path.
 */
export function readSuccessAnswer(jsonText: string): { body: Identity; identityJson: string } | undefined {
  if (!jsonText.startsWith(SUCCESS_PREFIX) || !jsonText.endsWith(SUCCESS_SUFFIX)) return undefined;
  const slice = jsonText.slice(SUCCESS_PREFIX.length, jsonText.length - SUCCESS_SUFFIX.length);
  let body: unknown;
  try {
    body = parseWireJson(slice, 'UID2_RESPONSE_INVALID', 'decrypted response');
  } catch {
    return undefined;
  }
  if (!isIssuedIdentity(body)) return undefined;
  for (const key of TIMES) if (!writtenAsPlainInteger(slice, key)) return undefined;
  return { body: body as Identity, identityJson: slice };
}

/** Builds a `current` result for an identity that is not yet due. */
export function identityCurrent(identity: Identity): IdentityCurrent {
  return new IdentityResult('current', identity, JSON.stringify(identity));
}

/**
 * A success whose identity is already expired at `now` is refused (`UID2_RESPONSE_INVALID`), on
 * generate and refresh alike, as the Java client does for refresh: it would be useless to the app and
 * usually means a clock is far off.
 */
export function checkFreshIdentity(body: Identity, now: number, endpoint: string): void {
  if (hasExpired(body, now) || now > body.refresh_expires) {
    throw new Uid2Error(
      'UID2_RESPONSE_INVALID',
      `${endpoint} answered an identity that is already expired at the corrected clock`,
    );
  }
}

/**
 * The common answer, a success with a well-formed identity, is checked by hand; zod runs for the rest
 * and to explain a failure. Both accept the same successes (a property test holds them equal).
 */
export function isSuccessAnswer(raw: unknown): raw is { status: 'success'; body: Identity } {
  return (
    raw !== null &&
    typeof raw === 'object' &&
    (raw as { status?: unknown }).status === 'success' &&
    isIssuedIdentity((raw as { body?: unknown }).body)
  );
}

/**
 * Reads a decrypted answer of an endpoint that can issue an identity (generate, refresh): a success
 * (fast path or general) becomes an {@link IdentityIssued}, refused when already expired at `now`; any
 * other answer is returned as `validate` checked it, for the endpoint to map.
 */
export function readIssuingAnswer<T extends { status: string }>(
  jsonText: string,
  now: number,
  endpoint: 'generate' | 'refresh',
  validate: (raw: unknown) => T,
): IdentityIssued | Exclude<T, { status: 'success' }> {
  const fast = readSuccessAnswer(jsonText);
  if (fast !== undefined) {
    checkFreshIdentity(fast.body, now, endpoint);
    return identityIssued(fast.body, fast.identityJson);
  }
  const raw = parseWireJson(jsonText, 'UID2_RESPONSE_INVALID', 'decrypted response');
  const answer = isSuccessAnswer(raw) ? raw : validate(raw);
  if (answer.status !== 'success') return answer as Exclude<T, { status: 'success' }>;
  const body = (answer as unknown as { body: Identity }).body;
  checkFreshIdentity(body, now, endpoint);
  return identityIssued(body);
}
