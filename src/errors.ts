/**
 * Every failure the library reports, as one class with a stable `code`.
 *
 * This file is a leaf: it imports nothing, so every other module can use it.
 */

/**
 * The closed set of error codes. Branch on these, never on messages.
 *
 * @example
 * ```ts
 * try {
 *   await client.generateToken({ email });
 * } catch (err) {
 *   if (err instanceof Uid2Error && err.code === 'UID2_CLOCK_SKEW') log.error('the server clock is off: check NTP');
 * }
 * ```
 */
export type Uid2ErrorCode =
  | 'UID2_INVALID_CONFIG'
  | 'UID2_INVALID_INPUT'
  | 'UID2_INVALID_IDENTITY'
  | 'UID2_UNAUTHORIZED'
  | 'UID2_BAD_CLIENT_SECRET'
  | 'UID2_CLOCK_SKEW'
  | 'UID2_BAD_REQUEST'
  | 'UID2_RATE_LIMITED'
  | 'UID2_SERVER_ERROR'
  | 'UID2_TIMEOUT'
  | 'UID2_ABORTED'
  | 'UID2_NETWORK'
  | 'UID2_RESPONSE_TOO_LARGE'
  | 'UID2_DECRYPT_FAILED'
  | 'UID2_NONCE_MISMATCH'
  | 'UID2_RESPONSE_INVALID'
  | 'UID2_CLIENT_CLOSED';

/**
 * Every code in {@link Uid2ErrorCode}, for exhaustive tests and documentation.
 *
 * @example
 * ```ts
 * for (const code of UID2_ERROR_CODES) console.log(code);
 * ```
 */
export const UID2_ERROR_CODES: readonly Uid2ErrorCode[] = Object.freeze([
  'UID2_INVALID_CONFIG',
  'UID2_INVALID_INPUT',
  'UID2_INVALID_IDENTITY',
  'UID2_UNAUTHORIZED',
  'UID2_BAD_CLIENT_SECRET',
  'UID2_CLOCK_SKEW',
  'UID2_BAD_REQUEST',
  'UID2_RATE_LIMITED',
  'UID2_SERVER_ERROR',
  'UID2_TIMEOUT',
  'UID2_ABORTED',
  'UID2_NETWORK',
  'UID2_RESPONSE_TOO_LARGE',
  'UID2_DECRYPT_FAILED',
  'UID2_NONCE_MISMATCH',
  'UID2_RESPONSE_INVALID',
  'UID2_CLIENT_CLOSED',
]);

const RETRYABLE_BY_DEFAULT: ReadonlySet<Uid2ErrorCode> = new Set([
  'UID2_RATE_LIMITED',
  'UID2_SERVER_ERROR',
  'UID2_TIMEOUT',
  'UID2_NETWORK',
]);

/**
 * Optional details attached to a {@link Uid2Error}. None of them ever holds a secret, token or DII.
 *
 * @example
 * ```ts
 * const details: Uid2ErrorDetails = { httpStatus: 503, attempts: 3 };
 * ```
 */
export interface Uid2ErrorDetails {
  /** Whether trying the same call again later may succeed. Defaults by code. */
  retryable?: boolean;
  /** The HTTP status of the operator's answer, where there was one. */
  httpStatus?: number;
  /** The `status` field of the operator's JSON error body (e.g. `client_error`, `unauthorized`). */
  operatorStatus?: string;
  /** The operator's `message`, verbatim (it never echoes request values). */
  operatorMessage?: string;
  /** How many HTTP attempts the call made before failing. */
  attempts?: number;
  /**
   * The underlying error, for connection-level failures only. The library passes a sanitised copy
   * (name, code and a scrubbed message), never an object that holds response bytes.
   */
  cause?: unknown;
}

/**
 * The one error class of uid2-publisher. `message` names types and states, never values: no API key,
 * secret, token, refresh key or DII is ever part of an error.
 *
 * @example
 * ```ts
 * import { Uid2Error } from 'uid2-publisher';
 *
 * try {
 *   await client.generateToken({ email: 'not-an-email' });
 * } catch (err) {
 *   if (err instanceof Uid2Error) console.error(err.code, err.message); // UID2_INVALID_INPUT ...
 * }
 * ```
 */
export class Uid2Error extends Error {
  /** Stable machine-readable code. */
  readonly code: Uid2ErrorCode;
  /** Whether the same call may succeed if tried again later. */
  readonly retryable: boolean;
  /** HTTP status of the operator's answer, if any. */
  readonly httpStatus?: number;
  /** `status` of the operator's JSON error body, if any. */
  readonly operatorStatus?: string;
  /** `message` of the operator's JSON error body, if any. */
  readonly operatorMessage?: string;
  /** Number of HTTP attempts made, if any request was sent. */
  readonly attempts?: number;

  constructor(code: Uid2ErrorCode, message: string, details: Readonly<Uid2ErrorDetails> = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.retryable = details.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    if (details.operatorStatus !== undefined) this.operatorStatus = details.operatorStatus;
    if (details.operatorMessage !== undefined) this.operatorMessage = details.operatorMessage;
    if (details.attempts !== undefined) this.attempts = details.attempts;
  }

  override get name(): string {
    return 'Uid2Error';
  }

  /**
   * The same error with the number of attempts the whole call made (errors are immutable, so a call
   * that learns its attempt count late builds a copy instead of mutating).
   */
  withAttempts(attempts: number): Uid2Error {
    if (this.attempts === attempts) return this;
    const copy = new Uid2Error(this.code, this.message, {
      retryable: this.retryable,
      attempts,
      ...(this.httpStatus === undefined ? {} : { httpStatus: this.httpStatus }),
      ...(this.operatorStatus === undefined ? {} : { operatorStatus: this.operatorStatus }),
      ...(this.operatorMessage === undefined ? {} : { operatorMessage: this.operatorMessage }),
      ...(this.cause === undefined ? {} : { cause: this.cause }),
    });
    if (this.stack !== undefined) copy.stack = this.stack;
    return copy;
  }

  /** A plain object for structured logs: every field above, nothing else. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      httpStatus: this.httpStatus,
      operatorStatus: this.operatorStatus,
      operatorMessage: this.operatorMessage,
      attempts: this.attempts,
    };
  }
}

/**
 * True when `value` is a {@link Uid2Error}, optionally with the given code.
 *
 * @example
 * ```ts
 * if (isUid2Error(err, 'UID2_TIMEOUT')) res.setHeader('Retry-After', '5');
 * ```
 */
export function isUid2Error(value: unknown, code?: Uid2ErrorCode): value is Uid2Error {
  return value instanceof Uid2Error && (code === undefined || value.code === code);
}
