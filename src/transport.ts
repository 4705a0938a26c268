/**
 * HTTP to the operator: the only file that imports undici.
 *
 * One deadline per call covers every attempt (connect, headers, body, backoff). Bodies are read with a
 * size cap. Redirects are never followed. Retries rebuild the request each time (fresh nonce, IV and
 * timestamp), because a v2 envelope is single-use and time-bound.
 */
import { Agent, type Dispatcher } from 'undici';
import { type AttemptSignal, CallScope } from './call-scope.js';
import { publishEnd, publishStart } from './diagnostics.js';
import { Uid2Error, type Uid2ErrorCode } from './errors.js';
import { operatorErrorSchema } from './schemas.js';

export type { Dispatcher } from 'undici';
export { CallScope } from './call-scope.js';

/** Transport settings, already validated by the client. */
export interface TransportOptions {
  origin: string;
  basePath: string;
  apiKey: string;
  clientVersion: string;
  timeoutMs: number;
  /** Longest a single attempt may take before it is abandoned (and retried if time is left). */
  attemptTimeoutMs: number;
  retries: number;
  maxResponseBytes: number;
  dispatcher?: Dispatcher;
  /** Longest wait a `Retry-After` may impose, ms. */
  maxRetryAfterMs: number;
  /** First backoff ceiling, ms; doubles each retry (full jitter). */
  backoffBaseMs: number;
  /** The local clock (epoch ms) used to time-stamp attempts. */
  clock: () => number;
  /** The client's current offset to the operator's clock, for diagnostics events. */
  clockOffset: () => number;
}

/** One request to send: built anew for every attempt. */
export interface OutgoingRequest<C> {
  body: string | Uint8Array;
  contentType: string;
  /** What the caller needs to read this attempt's answer (e.g. its nonce). */
  context: C;
}

/** A complete operator answer (any HTTP status). */
export interface OperatorResponse<C> {
  statusCode: number;
  contentType: string;
  body: Buffer;
  /** The `Date` header as epoch ms, when present and valid. */
  dateMs: number | undefined;
  /** Local time when the request was sent and when the headers arrived, epoch ms. */
  sentAt: number;
  receivedAt: number;
  context: C;
}

type AttemptResponse<C> = OperatorResponse<C> & { retryAfter: string | string[] | undefined };

const RETRY_STATUSES = (status: number) => status === 429 || status >= 500;

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Parses `Retry-After` (seconds or HTTP date) into ms, or undefined. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Sends requests to one operator. Owns a keep-alive Agent unless a dispatcher was given. */
export class Transport {
  readonly #options: TransportOptions;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 60_000,
        connect: { timeout: options.timeoutMs },
      });
  }

  /** Starts the scope of one client call (one deadline for all of its attempts). */
  beginCall(signal?: AbortSignal): CallScope {
    return new CallScope(this.#options.timeoutMs, signal);
  }

  /**
   * POSTs to `path` with retries on connection failures, 429 and 5xx, until an answer that is not
   * retryable arrives, the retries run out, or the deadline passes. Returns the last answer, whatever
   * its status; throws only for transport failures.
   */
  async post<C>(
    scope: CallScope,
    path: string,
    build: () => OutgoingRequest<C>,
  ): Promise<OperatorResponse<C>> {
    const { retries } = this.#options;
    for (let retry = 0; ; retry++) {
      const outgoing = build();
      const attempt = ++scope.attempts;
      const endpoint = path.endsWith('refresh') ? 'refresh' : 'generate';
      const started = performance.now();
      const end = (outcome: { httpStatus: number } | { errorCode: Uid2ErrorCode }) =>
        publishEnd(() => ({
          endpoint,
          attempt,
          ...outcome,
          durationMs: performance.now() - started,
          clockOffsetMs: this.#options.clockOffset(),
        }));
      publishStart({ endpoint, attempt });
      let response: AttemptResponse<C>;
      try {
        response = await this.#attempt(scope, path, outgoing);
      } catch (err) {
        const failure = this.#toTransportError(scope, err);
        end({ errorCode: failure.code });
        if (!failure.retryable || retry >= retries || !(await this.#backoff(scope, retry, undefined))) {
          throw failure;
        }
        continue;
      }
      end({ httpStatus: response.statusCode });
      if (!RETRY_STATUSES(response.statusCode) || retry >= retries) return response;
      const retryAfter = parseRetryAfter(headerValue(response.retryAfter));
      if (!(await this.#backoff(scope, retry, retryAfter))) return response;
    }
  }

  /** Waits before the next attempt; false when no time is left for one; throws if the caller aborts. */
  async #backoff(scope: CallScope, retry: number, retryAfterMs: number | undefined): Promise<boolean> {
    const ceiling = this.#options.backoffBaseMs * 2 ** retry;
    let wait = Math.random() * ceiling;
    if (retryAfterMs !== undefined)
      wait = Math.max(wait, Math.min(retryAfterMs, this.#options.maxRetryAfterMs));
    // Keep a little time for the attempt itself; otherwise give the caller the answer we have.
    if (wait + 50 >= scope.remainingMs()) return false;
    await scope.wait(wait);
    return true;
  }

  /** One attempt, abandoned at attemptTimeoutMs, the deadline or the caller's abort. */
  #attempt<C>(scope: CallScope, path: string, outgoing: OutgoingRequest<C>): Promise<AttemptResponse<C>> {
    return scope.runAttempt(this.#options.attemptTimeoutMs, (signal) =>
      this.#exchange(signal, path, outgoing),
    );
  }

  async #exchange<C>(
    signal: AttemptSignal,
    path: string,
    outgoing: OutgoingRequest<C>,
  ): Promise<AttemptResponse<C>> {
    const sentAt = this.#options.clock();
    const res = await this.#dispatcher.request({
      origin: this.#options.origin,
      path: this.#options.basePath + path,
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.#options.apiKey}`,
        'content-type': outgoing.contentType,
        'x-uid2-client-version': this.#options.clientVersion,
      },
      body: outgoing.body,
      signal,
    });
    const receivedAt = this.#options.clock();
    const body = await this.#readBody(res);
    const date = headerValue(res.headers.date);
    const dateMs = date === undefined ? undefined : Date.parse(date);
    return {
      statusCode: res.statusCode,
      contentType: headerValue(res.headers['content-type']) ?? '',
      body,
      dateMs: Number.isNaN(dateMs) ? undefined : dateMs,
      sentAt,
      receivedAt,
      context: outgoing.context,
      retryAfter: res.headers['retry-after'],
    };
  }

  async #readBody(res: Dispatcher.ResponseData): Promise<Buffer> {
    const max = this.#options.maxResponseBytes;
    const tooLarge = () =>
      new Uid2Error('UID2_RESPONSE_TOO_LARGE', `response body is larger than maxResponseBytes (${max})`, {
        httpStatus: res.statusCode,
        retryable: false,
      });
    const declared = Number(headerValue(res.headers['content-length']));
    if (declared > max) {
      res.body.destroy();
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > max) {
        res.body.destroy();
        throw tooLarge();
      }
      chunks.push(chunk as Buffer);
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
  }

  #toTransportError(scope: CallScope, err: unknown): Uid2Error {
    if (err instanceof Uid2Error) {
      err.attempts = scope.attempts;
      return err;
    }
    const code = (err as { code?: unknown } | null)?.code;
    return new Uid2Error(
      'UID2_NETWORK',
      `connection to the operator failed (${typeof code === 'string' ? code : 'unknown error'})`,
      { attempts: scope.attempts, cause: err },
    );
  }

  /** Ends the owned Agent's connections (a given dispatcher is left to its owner). */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }
}

const SECRET_MESSAGE = 'Check encryption key';
const TIMESTAMP_MESSAGE = 'Invalid timestamp';
const MAX_OPERATOR_MESSAGE = 500;

/** The operator's JSON error body, when the answer has one. */
export function parseOperatorError(body: Buffer): { status?: string; message?: string } {
  if (body.length === 0 || body.length > 16_384) return {};
  try {
    const parsed = operatorErrorSchema.safeParse(JSON.parse(body.toString('utf8')));
    if (!parsed.success) return {};
    const out: { status?: string; message?: string } = {};
    if (parsed.data.status !== undefined) out.status = parsed.data.status.slice(0, 64);
    if (parsed.data.message !== undefined) out.message = parsed.data.message.slice(0, MAX_OPERATOR_MESSAGE);
    return out;
  } catch {
    return {};
  }
}

/**
 * Maps a non-200 operator answer to a {@link Uid2Error} with the operator's status and message kept.
 * `scrub` removes any secret the message might echo (defence in depth: the operator never does).
 */
export function errorFromResponse(
  statusCode: number,
  body: Buffer,
  attempts: number,
  scrub: (text: string) => string,
): Uid2Error {
  const parsed = parseOperatorError(body);
  const message = parsed.message === undefined ? undefined : scrub(parsed.message);
  const details = {
    httpStatus: statusCode,
    attempts,
    ...(parsed.status === undefined ? {} : { operatorStatus: parsed.status }),
    ...(message === undefined ? {} : { operatorMessage: message }),
  };
  const said = message === undefined ? '' : `: ${message}`;
  let code: Uid2ErrorCode;
  let text: string;
  if (statusCode === 401) {
    code = 'UID2_UNAUTHORIZED';
    text = 'operator refused the API key (unknown, disabled, missing role, or another environment)';
  } else if (statusCode === 429) {
    code = 'UID2_RATE_LIMITED';
    text = 'operator is rate limiting';
  } else if (statusCode >= 500) {
    code = 'UID2_SERVER_ERROR';
    text = `operator failed with HTTP ${statusCode}`;
  } else if (statusCode === 400 && message?.includes(SECRET_MESSAGE)) {
    code = 'UID2_BAD_CLIENT_SECRET';
    text = 'operator could not decrypt the request: the client secret does not belong to this API key';
  } else if (statusCode === 400 && message?.startsWith(TIMESTAMP_MESSAGE)) {
    code = 'UID2_CLOCK_SKEW';
    text = 'operator refused the request timestamp: the local clock is off by about two minutes or more';
  } else if (statusCode >= 400 && statusCode < 500) {
    code = 'UID2_BAD_REQUEST';
    text = `operator refused the request (HTTP ${statusCode})`;
  } else {
    code = 'UID2_RESPONSE_INVALID';
    text = `unexpected HTTP ${statusCode} from the operator (redirects are not followed; check baseUrl)`;
  }
  return new Uid2Error(code, text + said, details);
}
