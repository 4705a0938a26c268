/**
 * The one place where an HTTP status and an operator error body become an outcome or a `Uid2Error`.
 * Every operator message the library recognises is defined here once (PROTOCOL.md §2.2, §5, §14).
 *
 * Everything read from the body is scrubbed of the call's secrets before it is cut to length or
 * stored: an operator, a proxy or a middlebox may echo what it was sent.
 */
import { Uid2Error, type Uid2ErrorCode } from './errors.js';
import type { Scrubber } from './scrub.js';

/** Operator messages, as the real operator writes them. */
export const OPERATOR_MESSAGES = Object.freeze({
  /** 400 on any endpoint with a request envelope: the timestamp is outside the ±2 min window. */
  invalidTimestamp: 'Invalid timestamp',
  /** 400: the request envelope did not decrypt under the key's client secret. */
  checkClientSecret: 'Check encryption key',
  /** 400 on refresh: the refresh token itself could not be decoded (stage one). */
  refreshStageOne: ['Invalid body:', 'Invalid key:', 'Invalid data:', 'Invalid format:'] as readonly string[],
  /** 400 on validate: the advertising token does not decode. */
  invalidToken: 'Invalid token',
  /** 400 on validate: the token belongs to another site. */
  notOwner: 'Unauthorised to validate token',
});

/** Longest operator `status` kept, characters (after scrubbing). */
export const MAX_OPERATOR_STATUS = 64;
/** Longest operator `message` kept, characters (after scrubbing). */
export const MAX_OPERATOR_MESSAGE = 500;
/** Error bodies larger than this are not parsed (real ones are under 400 bytes). */
const MAX_ERROR_BODY = 16 * 1024;

/** The raw `status` and `message` of a JSON error body; unscrubbed, for classification only. */
interface RawOperatorError {
  status?: string;
  message?: string;
}

function readError(body: Uint8Array): RawOperatorError {
  if (body.length === 0 || body.length > MAX_ERROR_BODY) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'));
  } catch {
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const { status, message } = parsed as { status?: unknown; message?: unknown };
  const out: RawOperatorError = {};
  if (typeof status === 'string') out.status = status;
  if (typeof message === 'string') out.message = message;
  return out;
}

/** The scrubbed, cut `status` and `message` of an operator error body. */
export interface OperatorError {
  status?: string;
  message?: string;
}

/**
 * Reads an operator error body: `{"status":"…","message":"…"}`, scrubbed and cut. Anything else (HTML,
 * plain text, a huge body) gives `{}`.
 */
export function parseOperatorError(body: Uint8Array, scrubber: Scrubber): OperatorError {
  const raw = readError(body);
  const out: OperatorError = {};
  if (raw.status !== undefined) out.status = scrubber.scrub(raw.status, MAX_OPERATOR_STATUS);
  if (raw.message !== undefined) out.message = scrubber.scrub(raw.message, MAX_OPERATOR_MESSAGE);
  return out;
}

/** True when the answer is the operator refusing the request's timestamp (400 "Invalid timestamp"). */
export function isTimestampRefusal(statusCode: number, body: Uint8Array): boolean {
  return (
    statusCode === 400 && readError(body).message?.startsWith(OPERATOR_MESSAGES.invalidTimestamp) === true
  );
}

/** A 400 that is a documented outcome of its endpoint, not a fault. */
export interface Refusal {
  status: 'expired_token' | 'invalid_token' | 'not_owner';
  /** The operator's message, scrubbed, when it sent one. */
  detail?: string;
}

/** Reads a 400 as one of an endpoint's documented refusals, or undefined when it is a fault. */
export type RefusalReader = (statusCode: number, body: Uint8Array, scrubber: Scrubber) => Refusal | undefined;

function refusal(status: Refusal['status'], body: Uint8Array, scrubber: Scrubber): Refusal {
  const { message } = parseOperatorError(body, scrubber);
  return message === undefined ? { status } : { status, detail: message };
}

/**
 * Refresh's documented 400s: `expired_token`, `invalid_token`, and the stage-one decoding failures of
 * the refresh token (which mean the same to the caller).
 */
export const refreshRefusal: RefusalReader = (statusCode, body, scrubber) => {
  if (statusCode !== 400) return undefined;
  const raw = readError(body);
  if (raw.status === 'expired_token') return refusal('expired_token', body, scrubber);
  if (raw.status === 'invalid_token') return refusal('invalid_token', body, scrubber);
  const stageOne = OPERATOR_MESSAGES.refreshStageOne.some((prefix) => raw.message?.startsWith(prefix));
  return raw.status === 'client_error' && stageOne ? refusal('invalid_token', body, scrubber) : undefined;
};

/** Validate's documented 400s: `Invalid token` and `Unauthorised to validate token`. */
export const validateRefusal: RefusalReader = (statusCode, body, scrubber) => {
  if (statusCode !== 400) return undefined;
  const raw = readError(body);
  if (raw.status !== 'client_error') return undefined;
  if (raw.message === OPERATOR_MESSAGES.invalidToken) return refusal('invalid_token', body, scrubber);
  if (raw.message === OPERATOR_MESSAGES.notOwner) return refusal('not_owner', body, scrubber);
  return undefined;
};

function classify(statusCode: number, message: string | undefined): { code: Uid2ErrorCode; text: string } {
  if (statusCode === 401) {
    return {
      code: 'UID2_UNAUTHORIZED',
      text: 'operator refused the API key (unknown, disabled, missing role, or another environment)',
    };
  }
  if (statusCode === 429) return { code: 'UID2_RATE_LIMITED', text: 'operator is rate limiting' };
  if (statusCode >= 500 && statusCode < 600) {
    return { code: 'UID2_SERVER_ERROR', text: `operator failed with HTTP ${statusCode}` };
  }
  if (statusCode === 400 && message?.includes(OPERATOR_MESSAGES.checkClientSecret)) {
    return {
      code: 'UID2_BAD_CLIENT_SECRET',
      text: 'operator could not decrypt the request: the client secret does not belong to this API key',
    };
  }
  if (statusCode === 400 && message?.startsWith(OPERATOR_MESSAGES.invalidTimestamp)) {
    return {
      code: 'UID2_CLOCK_SKEW',
      text: 'operator refused the request timestamp: the local clock is off by about two minutes or more',
    };
  }
  if (statusCode >= 400 && statusCode < 500) {
    return { code: 'UID2_BAD_REQUEST', text: `operator refused the request (HTTP ${statusCode})` };
  }
  return {
    code: 'UID2_RESPONSE_INVALID',
    text: `unexpected HTTP ${statusCode} from the operator (redirects are not followed; check baseUrl)`,
  };
}

/**
 * Maps a non-200 operator answer to a {@link Uid2Error} with the operator's status and message kept,
 * scrubbed of every secret of the call.
 */
export function errorFromAnswer(
  statusCode: number,
  body: Uint8Array,
  attempts: number,
  scrubber: Scrubber,
): Uid2Error {
  const raw = readError(body);
  const { code, text } = classify(statusCode, raw.message);
  const { status, message } = parseOperatorError(body, scrubber);
  return new Uid2Error(code, message === undefined ? text : `${text}: ${message}`, {
    httpStatus: statusCode,
    attempts,
    ...(status === undefined ? {} : { operatorStatus: status }),
    ...(message === undefined ? {} : { operatorMessage: message }),
  });
}
