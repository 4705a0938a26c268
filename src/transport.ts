/**
 * HTTP to the operator: the only file that imports undici. Plain HTTP: it knows no endpoint and reads
 * no body's meaning (operator-answer.ts does that).
 *
 * One deadline per call covers every attempt (connect, headers, body, backoff). Bodies are read with a
 * size cap, and every body the transport stops reading (cap, abort, timeout, stall) is destroyed with an
 * error listener in place, so no path can emit an unhandled 'error' and crash the process. Redirects are
 * never followed. Retries rebuild the request each time (fresh nonce, IV and timestamp), because a v2
 * envelope is single-use and time-bound.
 */
import { Agent, type Dispatcher } from 'undici';
import { type AttemptSignal, CallScope } from './call-scope.js';
import { publishEnd, publishStart, type RequestEndpoint } from './diagnostics.js';
import { Uid2Error, type Uid2ErrorCode } from './errors.js';

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
  /** How long idle connections of the client's own Agent stay open, ms (at least 4000). */
  keepAliveMs?: number;
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

/** What to send, where, and how to label it in diagnostics events. */
export interface PostTarget<C> {
  /** Path below the base URL, e.g. `/v2/token/generate`. */
  path: string;
  /** The endpoint's label, for diagnostics events only. */
  label: RequestEndpoint;
  /** Builds the request anew for each attempt. */
  build: () => OutgoingRequest<C>;
}

/** A cause for a connection-level failure that holds no response bytes: name and code only. */
function sanitisedCause(err: unknown): Error {
  const code = (err as { code?: unknown } | null)?.code;
  const name = (err as { name?: unknown } | null)?.name;
  const cause = new Error(
    `${typeof name === 'string' ? name.slice(0, 64) : 'Error'} (${typeof code === 'string' ? code.slice(0, 64) : 'no code'})`,
  );
  if (typeof code === 'string')
    Object.defineProperty(cause, 'code', { value: code.slice(0, 64), enumerable: true });
  return cause;
}

/** Keep-alive settings of the client's own Agent. */
const KEEP_ALIVE_MS = 4_000;
const KEEP_ALIVE_MAX_MS = 60_000;

/** Sends requests to one operator. Owns a keep-alive Agent unless a dispatcher was given. */
export class Transport {
  readonly #options: TransportOptions;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  #closing: Promise<void> | undefined;
  /** The operator's last `Keep-Alive: timeout=N` hint, ms. */
  #keepAliveHintMs: number | undefined;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({
        keepAliveTimeout: Math.max(KEEP_ALIVE_MS, options.keepAliveMs ?? 0),
        keepAliveMaxTimeout: Math.max(KEEP_ALIVE_MAX_MS, options.keepAliveMs ?? 0),
        connect: { timeout: options.timeoutMs },
      });
  }

  /**
   * How often an idle client should send a health check to keep its pooled connections open: half of
   * what undici keeps an idle socket for (the operator's Keep-Alive hint less its 2 s threshold), at
   * least 1 s; 20 s while no hint has been seen.
   */
  keepWarmIntervalMs(): number {
    const hint = this.#keepAliveHintMs;
    return hint === undefined ? 20_000 : Math.max(1_000, Math.floor((hint - 2_000) / 2));
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Starts the scope of one client call (one deadline for all of its attempts). */
  beginCall(signal?: AbortSignal): CallScope {
    return new CallScope(this.#options.timeoutMs, signal);
  }

  /**
   * POSTs with retries on connection failures, 429 and 5xx, until an answer that is not retryable
   * arrives, the retries run out, or the deadline passes. Returns the last answer, whatever its status;
   * throws only for transport failures.
   */
  async post<C>(scope: CallScope, target: PostTarget<C>): Promise<OperatorResponse<C>> {
    const { retries } = this.#options;
    for (let retry = 0; ; retry++) {
      if (this.closed) throw closedError(scope.attempts);
      const outgoing = target.build();
      const attempt = ++scope.attempts;
      const endpoint = target.label;
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
        response = await scope.runAttempt(this.#options.attemptTimeoutMs, (signal) =>
          this.#exchange(signal, 'POST', target.path, outgoing),
        );
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

  /**
   * Opens `connections` connections at once with `GET {base}/ops/healthcheck` (the operator's health
   * route), so that the first real call finds them ready. Any HTTP answer proves the connection (TCP,
   * TLS, HTTP); resolves to the number opened, throws when none could be.
   */
  async warmUp(scope: CallScope, connections: number): Promise<number> {
    if (this.closed) throw closedError(0);
    const one = () =>
      scope.runAttempt(this.#options.attemptTimeoutMs, (signal) =>
        this.#exchange(signal, 'GET', '/ops/healthcheck', { body: '', contentType: '', context: undefined }),
      );
    const settled = await Promise.allSettled(Array.from({ length: connections }, one));
    // undici returns a connection to its pool one macrotask after its body ended: without this wait a
    // call made right after warmUp() may find both busy and open a third (three round trips, not one).
    await new Promise((resolve) => setImmediate(resolve));
    const opened = settled.filter((r) => r.status === 'fulfilled').length;
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (opened === 0 && failed !== undefined) throw this.#toTransportError(scope, failed.reason);
    return opened;
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

  async #exchange<C>(
    signal: AttemptSignal,
    method: 'POST' | 'GET',
    path: string,
    outgoing: OutgoingRequest<C>,
  ): Promise<AttemptResponse<C>> {
    const sentAt = this.#options.clock();
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#options.apiKey}`,
      'x-uid2-client-version': this.#options.clientVersion,
    };
    if (method === 'POST') headers['content-type'] = outgoing.contentType;
    const res = await this.#dispatcher.request({
      origin: this.#options.origin,
      path: this.#options.basePath + path,
      method,
      headers,
      ...(method === 'POST' ? { body: outgoing.body } : {}),
      signal,
    });
    // From here on the body may be abandoned on any path: never let its 'error' go unheard.
    res.body.on('error', ignore);
    const hint = /timeout=(\d{1,6})/i.exec(headerValue(res.headers['keep-alive']) ?? '');
    if (hint !== null) this.#keepAliveHintMs = Number(hint[1]) * 1000;
    const receivedAt = this.#options.clock();
    const body = await this.#readBody(res);
    const date = headerValue(res.headers.date);
    const dateMs = date === undefined ? undefined : Date.parse(date);
    return {
      statusCode: res.statusCode,
      contentType: headerValue(res.headers['content-type']) ?? '',
      body,
      dateMs: dateMs === undefined || Number.isNaN(dateMs) ? undefined : dateMs,
      sentAt,
      receivedAt,
      context: outgoing.context,
      retryAfter: res.headers['retry-after'],
    };
  }

  async #readBody(res: Dispatcher.ResponseData): Promise<Buffer> {
    const max = this.#options.maxResponseBytes;
    const tooLarge = () => {
      res.body.destroy();
      return new Uid2Error(
        'UID2_RESPONSE_TOO_LARGE',
        `response body is larger than maxResponseBytes (${max})`,
        {
          httpStatus: res.statusCode,
          retryable: false,
        },
      );
    };
    const declared = Number(headerValue(res.headers['content-length']));
    if (declared > max) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > max) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
  }

  #toTransportError(scope: CallScope, err: unknown): Uid2Error {
    if (err instanceof Uid2Error) return err.withAttempts(scope.attempts);
    if (this.closed) return closedError(scope.attempts);
    const code = (err as { code?: unknown } | null)?.code;
    const shown = typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'unknown error';
    return new Uid2Error('UID2_NETWORK', `connection to the operator failed (${shown})`, {
      attempts: scope.attempts,
      cause: sanitisedCause(err),
    });
  }

  /**
   * Ends the owned Agent's connections (a given dispatcher is left to its owner). Idempotent: a second
   * call waits for the first.
   */
  close(): Promise<void> {
    this.#closing ??= this.#ownsDispatcher ? this.#dispatcher.close().catch(ignore) : Promise.resolve();
    return this.#closing;
  }
}

function ignore(): void {}

/**
 * A keep-alive undici Agent that trusts `ca` (PEM, or several) for TLS, for a `dispatcher` option: e.g.
 * the local operator's `op.ca`. Here so that undici is imported in one file only.
 */
export function agentTrusting(ca: string | Buffer | readonly (string | Buffer)[]): Dispatcher {
  return new Agent({ connect: { ca: ca as string | Buffer | (string | Buffer)[] } });
}

/** The error of a call made after `close()`: immediate, not retryable. */
export function closedError(attempts: number): Uid2Error {
  return new Uid2Error('UID2_CLIENT_CLOSED', 'the client was closed; create a new PublisherClient', {
    retryable: false,
    ...(attempts > 0 ? { attempts } : {}),
  });
}
