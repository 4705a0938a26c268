/**
 * PublisherClient: input -> envelope -> transport -> schemas -> result.
 */
import { inspect } from 'node:util';
import { checkApiKey, DEFAULTS, integerOption, parseBaseUrl } from './config.js';
import { decryptTokenRefreshResponse, openGenerateResponse, sealRequestEnvelope } from './envelope.js';
import { Uid2Error } from './errors.js';
import { type Identity, isRefreshable, parseIdentity } from './identity.js';
import { type GenerateInput, toTokenGenerateRequest } from './input.js';
import { decodeSecretKey } from './keys.js';
import { type GenerateResult, interpretGenerateResponse, type RefreshResult } from './results.js';
import {
  type CallScope,
  type Dispatcher,
  errorFromResponse,
  type OperatorResponse,
  parseOperatorError,
  Transport,
} from './transport.js';
import { CLIENT_VERSION_HEADER } from './version.js';

/**
 * Options of {@link PublisherClient}. Times are milliseconds, sizes bytes.
 *
 * @example
 * ```ts
 * const options: PublisherClientOptions = {
 *   baseUrl: Environments.uid2.integration,
 *   apiKey: process.env.UID2_API_KEY!,
 *   secretKey: process.env.UID2_SECRET_KEY!,
 *   timeoutMs: 3_000,
 * };
 * ```
 */
export interface PublisherClientOptions {
  /** Operator base URL, e.g. `Environments.uid2.production`. A trailing `/` or `/v2` is ignored. */
  baseUrl: string;
  /** The API key (bearer token) issued by UID2. Never logged. */
  apiKey: string;
  /** The client secret: standard base64 of 32 bytes. Never logged. */
  secretKey: string;
  /** Deadline of a whole call, every attempt and backoff included. Default 5000. */
  timeoutMs?: number;
  /**
   * Longest one HTTP attempt may take before it is abandoned and, if time is left, retried.
   * Default: half of `timeoutMs`.
   */
  attemptTimeoutMs?: number;
  /** Extra attempts after the first on connection failures, 429 and 5xx. Default 2; 0 disables. */
  retries?: number;
  /** Largest response body read before failing with `UID2_RESPONSE_TOO_LARGE`. Default 65536. */
  maxResponseBytes?: number;
  /** An undici Dispatcher (Agent, Pool, ProxyAgent, MockAgent). Default: a keep-alive Agent owned by the client. */
  dispatcher?: Dispatcher;
  /** The local clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Allow `http:` to non-loopback hosts (for a TLS-terminating test proxy). Default false. */
  allowInsecureHttp?: boolean;
}

/**
 * Per-call options.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * await client.generateToken({ email }, { signal: controller.signal });
 * ```
 */
export interface CallOptions {
  /** Aborts the call; it then rejects with `UID2_ABORTED`. */
  signal?: AbortSignal;
}

const STAGE_ONE_REFRESH_ERRORS = ['Invalid body:', 'Invalid key:', 'Invalid data:', 'Invalid format:'];
/** An offset learned from the 1-second `Date` header is only trusted when it is this large. */
const DATE_HEADER_MIN_SKEW_MS = 2_000;

function textOrBytes(res: OperatorResponse<unknown>): string | Uint8Array {
  return res.contentType.toLowerCase() === 'application/octet-stream'
    ? res.body
    : res.body.toString('latin1');
}

/**
 * The UID2/EUID publisher client: generates identities from DII and refreshes them over the v2 protocol.
 * Holds the API key and secret in private fields; one instance serves the whole process.
 *
 * @example
 * ```ts
 * import { PublisherClient, Environments } from 'uid2-publisher';
 *
 * const client = new PublisherClient({
 *   baseUrl: Environments.uid2.integration,
 *   apiKey: process.env.UID2_API_KEY!,
 *   secretKey: process.env.UID2_SECRET_KEY!,
 * });
 * const result = await client.generateToken({ email: 'user@example.com' });
 * if (result.status === 'success') sendToApp(result.identityJson);
 * await client.close();
 * ```
 */
export class PublisherClient {
  /** The normalised base URL (origin plus any path prefix, without `/v2`). */
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #secret: Buffer;
  readonly #secretText: string;
  readonly #clock: () => number;
  readonly #transport: Transport;
  readonly #timeoutMs: number;
  #offsetMs = 0;

  constructor(options: PublisherClientOptions) {
    if (options === null || typeof options !== 'object') {
      throw new Uid2Error(
        'UID2_INVALID_CONFIG',
        'options must be an object with baseUrl, apiKey and secretKey',
      );
    }
    const base = parseBaseUrl(options.baseUrl, options.allowInsecureHttp === true);
    this.baseUrl = base.href;
    this.#apiKey = checkApiKey(options.apiKey);
    this.#secret = decodeSecretKey(options.secretKey, 'secretKey');
    this.#secretText = this.#secret.toString('base64');
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new Uid2Error('UID2_INVALID_CONFIG', 'now must be a function returning epoch milliseconds');
    }
    this.#clock = options.now ?? Date.now;
    this.#timeoutMs = integerOption('timeoutMs', options.timeoutMs, DEFAULTS.timeoutMs, 1, 600_000);
    this.#transport = new Transport({
      origin: base.origin,
      basePath: base.basePath,
      apiKey: this.#apiKey,
      clientVersion: CLIENT_VERSION_HEADER,
      timeoutMs: this.#timeoutMs,
      attemptTimeoutMs: integerOption(
        'attemptTimeoutMs',
        options.attemptTimeoutMs,
        Math.ceil(this.#timeoutMs * DEFAULTS.attemptShare),
        1,
        this.#timeoutMs,
      ),
      retries: integerOption('retries', options.retries, DEFAULTS.retries, 0, 10),
      maxResponseBytes: integerOption(
        'maxResponseBytes',
        options.maxResponseBytes,
        DEFAULTS.maxResponseBytes,
        1024,
        64 * 1024 * 1024,
      ),
      maxRetryAfterMs: DEFAULTS.maxRetryAfterMs,
      backoffBaseMs: DEFAULTS.backoffBaseMs,
      clock: this.#clock,
      clockOffset: () => this.#offsetMs,
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    });
  }

  /**
   * The learned difference between the operator's clock and the local one, ms (positive: the operator is
   * ahead). Request timestamps and refresh checks use the local clock plus this offset.
   */
  get clockOffsetMs(): number {
    return this.#offsetMs;
  }

  /** The local clock corrected by the learned offset. */
  #now(): number {
    return this.#clock() + this.#offsetMs;
  }

  /**
   * Generates an identity for an email, phone number, or their hashes. DII is normalised and hashed
   * locally; bad input throws `UID2_INVALID_INPUT` before anything is sent.
   *
   * @example
   * ```ts
   * const result = await client.generateToken({ email: 'user@example.com' }, { signal: req.signal });
   * switch (result.status) {
   *   case 'success': return res.end(result.identityJson);
   *   case 'optout': return rememberOptOut();
   *   case 'insufficient_user_consent': return res.end('{"consent":false}');
   * }
   * ```
   */
  async generateToken(input: GenerateInput, options: CallOptions = {}): Promise<GenerateResult> {
    const json = JSON.stringify(toTokenGenerateRequest(input));
    const scope = this.#transport.beginCall(options.signal);
    try {
      const res = await this.#postLearningSkew(scope, '/v2/token/generate', () => {
        const { bytes, nonce } = sealRequestEnvelope(this.#secret, json, { now: this.#now() });
        return { body: bytes.toString('base64'), contentType: 'text/plain', context: nonce };
      });
      if (res.statusCode !== 200) throw this.#errorFrom(res, scope);
      const opened = openGenerateResponse(this.#secret, textOrBytes(res), res.context);
      this.#learnOffset(opened.timestamp - (res.sentAt + res.receivedAt) / 2);
      return interpretGenerateResponse(opened.json);
    } catch (err) {
      throw this.#finalError(err, scope);
    } finally {
      scope.dispose();
    }
  }

  /**
   * Refreshes an identity (object or identity JSON string) with its refresh token. An identity whose
   * `refresh_expires` has passed gives `expired_token` without a request.
   *
   * @example
   * ```ts
   * const result = await client.refreshToken(session.identityJson);
   * if (result.status === 'success') session.identityJson = result.identityJson;
   * else delete session.identityJson; // optout, expired_token, invalid_token
   * ```
   */
  async refreshToken(identity: Identity | string, options: CallOptions = {}): Promise<RefreshResult> {
    let current: Identity;
    try {
      current = parseIdentity(identity);
    } catch (err) {
      throw new Uid2Error('UID2_INVALID_INPUT', `identity argument: ${(err as Error).message}`);
    }
    if (!isRefreshable(current, this.#now())) {
      return { status: 'expired_token', detail: 'refresh_expires has passed; no request was sent' };
    }
    const scope = this.#transport.beginCall(options.signal);
    try {
      const res = await this.#transport.post(scope, '/v2/token/refresh', () => ({
        body: current.refresh_token,
        contentType: 'text/plain',
        context: undefined,
      }));
      this.#learnDateOffset(res);
      if (res.statusCode === 400) {
        const outcome = this.#refreshOutcomeOf400(res.body);
        if (outcome) return outcome;
      }
      if (res.statusCode !== 200) throw this.#errorFrom(res, scope);
      return decryptTokenRefreshResponse(textOrBytes(res), current.refresh_response_key, {
        now: this.#now(),
      });
    } catch (err) {
      throw this.#finalError(err, scope);
    } finally {
      scope.dispose();
    }
  }

  /** Closes the connections of the client's own Agent. Calls after this fail. */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  /** Posts; on a clock-skew refusal, corrects the clock from the `Date` header and tries once more. */
  async #postLearningSkew<C>(
    scope: CallScope,
    path: string,
    build: () => { body: string; contentType: string; context: C },
  ): Promise<OperatorResponse<C>> {
    const res = await this.#transport.post(scope, path, build);
    if (res.statusCode !== 400 || !parseOperatorError(res.body).message?.startsWith('Invalid timestamp'))
      return res;
    if (!this.#learnDateOffset(res)) return res;
    return this.#transport.post(scope, path, build);
  }

  #learnOffset(offsetMs: number): void {
    this.#offsetMs = Math.round(offsetMs);
  }

  /** Learns the offset from the `Date` header when it shows a skew the header's 1 s resolution can see. */
  #learnDateOffset(res: OperatorResponse<unknown>): boolean {
    if (res.dateMs === undefined) return false;
    const local = (res.sentAt + res.receivedAt) / 2 + this.#offsetMs;
    const seen = res.dateMs + 500 - local;
    if (Math.abs(seen) < DATE_HEADER_MIN_SKEW_MS) return false;
    this.#learnOffset(this.#offsetMs + seen);
    return true;
  }

  #refreshOutcomeOf400(body: Buffer): RefreshResult | undefined {
    const { status, message } = parseOperatorError(body);
    const detail = message === undefined ? {} : { detail: this.#scrub(message) };
    if (status === 'expired_token') return { status: 'expired_token', ...detail };
    if (status === 'invalid_token') return { status: 'invalid_token', ...detail };
    if (status === 'client_error' && STAGE_ONE_REFRESH_ERRORS.some((prefix) => message?.startsWith(prefix))) {
      return { status: 'invalid_token', ...detail };
    }
    return undefined;
  }

  #errorFrom(res: OperatorResponse<unknown>, scope: CallScope): Uid2Error {
    return errorFromResponse(res.statusCode, res.body, scope.attempts, (text) => this.#scrub(text));
  }

  #finalError(err: unknown, scope: CallScope): unknown {
    if (err instanceof Uid2Error && err.attempts === undefined && scope.attempts > 0)
      err.attempts = scope.attempts;
    return err;
  }

  /** Removes the API key and secret from text that came from elsewhere. */
  #scrub(text: string): string {
    return text.split(this.#apiKey).join('[redacted]').split(this.#secretText).join('[redacted]');
  }

  /** `util.inspect` shows settings only: never the API key or secret. */
  [inspect.custom](): string {
    return `PublisherClient { baseUrl: '${this.baseUrl}', timeoutMs: ${this.#timeoutMs}, clockOffsetMs: ${this.#offsetMs} }`;
  }

  /** JSON shows settings only: never the API key or secret. */
  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, timeoutMs: this.#timeoutMs, clockOffsetMs: this.#offsetMs };
  }
}
