/**
 * PublisherClient: composes the checked options, the endpoints' request builders and answer readers,
 * the transport, the clock and the optional opt-out store, through one private call path.
 */
import { inspect } from 'node:util';
import { type CallOptions, callSignal } from './call-options.js';
import { bodyOf, CallPath, transportFor } from './call-path.js';
import { OperatorClock } from './clock.js';
import { type ResolvedOptions, resolveOptions } from './config.js';
import {
  decryptTokenGenerateResponse,
  type GenerateResult,
  generateRequestJson,
} from './endpoints/generate.js';
import { type RefreshResult, readRefreshAnswer } from './endpoints/refresh.js';
import { ENDPOINTS } from './endpoints/table.js';
import {
  decryptTokenValidateResponse,
  type ValidateInput,
  type ValidateResult,
  validateRequestJson,
} from './endpoints/validate.js';
import { Uid2Error } from './errors.js';
import { type Identity, isDueForRefresh, isRefreshable, parseIdentity } from './identity.js';
import { type GenerateInput, toTokenGenerateRequest } from './input.js';
import { refreshRefusal, validateRefusal } from './operator-answer.js';
import { OptOutGuard } from './opt-out-guard.js';
import type { PublisherClientOptions } from './options.js';
import { type IdentityCurrent, identityCurrent } from './results.js';
import { Scrubber } from './scrub.js';
import { SingleFlight } from './single-flight.js';
import { type OptOutStore, optOutSubjectOfRequest } from './state/opt-out.js';
import { closedError, type Transport } from './transport.js';

export type { CallOptions } from './call-options.js';
export type { PublisherClientOptions } from './options.js';

/** Connections `warmUp()` opens when not told otherwise. */
const WARM_UP_CONNECTIONS = 2;

function identityArgument(identity: unknown): Identity {
  try {
    return parseIdentity(identity as string | object);
  } catch (err) {
    throw new Uid2Error('UID2_INVALID_INPUT', `identity argument: ${(err as Error).message}`);
  }
}

/**
 * The UID2/EUID publisher client: generates identities from DII, refreshes and validates them over the
 * v2 protocol, and remembers opt-outs when given a store. Holds the API key and secret in private
 * fields; create one per process and share it.
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
 * if (result.status === 'success') reply(result.identityJson);
 * await client.close();
 * ```
 */
export class PublisherClient {
  /** The normalised base URL (origin plus any path prefix, without `/v2`). */
  readonly baseUrl: string;
  readonly #options: ResolvedOptions;
  readonly #clock: OperatorClock;
  readonly #transport: Transport;
  readonly #path: CallPath;
  readonly #scrubber: Scrubber;
  readonly #optOuts: OptOutGuard | undefined;
  readonly #refreshes = new SingleFlight<string, RefreshResult>();
  #keepWarm: NodeJS.Timeout | undefined;
  #lastUse = 0;

  constructor(options: PublisherClientOptions) {
    const resolved = resolveOptions(options);
    this.#options = resolved;
    this.baseUrl = resolved.base.href;
    this.#clock = new OperatorClock(resolved.now);
    this.#scrubber = Scrubber.of([
      resolved.apiKey,
      resolved.secret.toString('base64'),
      resolved.secret.toString('base64url'),
      resolved.secret.toString('hex'),
    ]);
    this.#optOuts =
      resolved.optOuts === undefined
        ? undefined
        : new OptOutGuard(resolved.optOuts as OptOutStore, resolved.optOutTimeoutMs);
    this.#transport = transportFor(resolved, this.#clock);
    this.#path = new CallPath(resolved, this.#clock, this.#transport);
    if (resolved.warmUp) this.warmUp().catch(() => {});
    if (resolved.keepWarmMs !== 0) this.#startKeepWarm(resolved.keepWarmMs);
  }

  /**
   * The learned difference between the operator's clock and the local one, ms (positive: the operator is
   * ahead), at most one hour either way. Request timestamps use the local clock plus this offset.
   */
  get clockOffsetMs(): number {
    return this.#clock.offsetMs;
  }

  /**
   * Generates an identity for an email, phone number, or their hashes. DII is normalised and hashed
   * locally; bad input throws `UID2_INVALID_INPUT` before anything is sent. With an `optOuts` store, a
   * remembered opt-out answers `{ status: 'optout', remembered: true }` without a request, and a fresh
   * one is recorded.
   *
   * @example
   * ```ts
   * const result = await client.generateToken({ email: 'user@example.com' }, { signal });
   * switch (result.status) {
   *   case 'success': return res.end(result.identityJson);
   *   case 'optout': return rememberOptOut();
   *   case 'insufficient_user_consent': return res.end('{"consent":false}');
   * }
   * ```
   */
  async generateToken(input: GenerateInput, options?: CallOptions): Promise<GenerateResult> {
    const signal = callSignal(options);
    const { request, json } = generateRequestJson(input);
    this.#checkOpen();
    const subject = this.#optOuts === undefined ? undefined : optOutSubjectOfRequest(request);
    if (subject !== undefined && (await this.#optOuts?.has(subject))) {
      return { status: 'optout', remembered: true };
    }
    const result = (await this.#path.call(
      ENDPOINTS.generate,
      signal,
      this.#scrubber,
      this.#path.sealing(json),
      (res) =>
        decryptTokenGenerateResponse(this.#options.secret, bodyOf(res), res.context, {
          onTimestamp: (timestamp) => this.#clock.learnFromAnswer(timestamp, res),
        }),
    )) as GenerateResult;
    if (result.status === 'optout' && subject !== undefined) await this.#optOuts?.add(subject);
    return result;
  }

  /**
   * Records that this DII opted out (e.g. a refresh for this user answered `optout`), so that
   * `generateToken` answers `remembered: true` for it from now on. Needs the `optOuts` option; throws
   * `UID2_NETWORK` when the store fails.
   *
   * @example
   * ```ts
   * const refreshed = await client.refreshToken(session.identityJson);
   * if (refreshed.status === 'optout') await client.rememberOptOut({ email: session.email });
   * ```
   */
  async rememberOptOut(input: GenerateInput): Promise<void> {
    const request = toTokenGenerateRequest(input);
    if (this.#optOuts === undefined) {
      throw new Uid2Error('UID2_INVALID_CONFIG', 'rememberOptOut needs the optOuts option (an OptOutStore)');
    }
    const subject = optOutSubjectOfRequest(request);
    await this.#optOuts.addOrThrow(subject);
  }

  /**
   * Refreshes an identity (object or identity JSON string) with its refresh token. An identity whose
   * `refresh_expires` has passed gives `expired_token` without a request. Concurrent calls for the same
   * refresh token share one request and one result; each caller's signal ends only its own wait.
   *
   * @example
   * ```ts
   * const result = await client.refreshToken(session.identityJson);
   * if (result.status === 'success') session.identityJson = result.identityJson;
   * else forgetIdentity(session); // optout, expired_token, invalid_token
   * ```
   */
  async refreshToken(identity: Identity | string, options?: CallOptions): Promise<RefreshResult> {
    const signal = callSignal(options);
    const current = identityArgument(identity);
    this.#checkOpen();
    return this.#refreshParsed(current, signal);
  }

  /** Refresh of an identity already parsed: the local expiry check, then the shared request. */
  #refreshParsed(current: Identity, signal: AbortSignal | undefined): Promise<RefreshResult> {
    if (!isRefreshable(current, this.#clock.conservative())) {
      return Promise.resolve({
        status: 'expired_token',
        detail: 'refresh_expires has passed; no request was sent',
      });
    }
    return this.#refreshes.run(current.refresh_token, signal, () => this.#refresh(current));
  }

  /**
   * Refreshes only when due: `{ status: 'current', identity, identityJson }` without a request while
   * `refresh_from` (and `identity_expires`) have not passed, otherwise {@link refreshToken}. What a
   * server-side web integration calls on every page view.
   *
   * @example
   * ```ts
   * const r = await client.refreshIfDue(openIdentity(cookie, { keys, context: user.id }));
   * if (r.status === 'success') setCookie(sealIdentity(r.identity, { keys, context: user.id }));
   * ```
   */
  async refreshIfDue(
    identity: Identity | string,
    options?: CallOptions,
  ): Promise<IdentityCurrent | RefreshResult> {
    const signal = callSignal(options);
    const current = identityArgument(identity);
    this.#checkOpen();
    if (!isDueForRefresh(current, this.#clock.corrected())) return identityCurrent(current);
    return this.#refreshParsed(current, signal);
  }

  /**
   * Asks the operator whether `advertisingToken` was issued for this DII (`/v2/token/validate`, meant for
   * testing an integration): `match`, `mismatch`, `invalid_token` or `not_owner` (another site's token).
   *
   * @example
   * ```ts
   * const v = await client.validateToken(identity.advertising_token, { email: 'validate@example.com' });
   * console.log(v.status); // 'match'
   * ```
   */
  async validateToken(
    advertisingToken: string,
    input: ValidateInput,
    options?: CallOptions,
  ): Promise<ValidateResult> {
    const signal = callSignal(options);
    const json = validateRequestJson(advertisingToken, input);
    this.#checkOpen();
    const scrubber = this.#scrubber.with([advertisingToken]);
    return (await this.#path.call(
      ENDPOINTS.validate,
      signal,
      scrubber,
      this.#path.sealing(json),
      (res) =>
        decryptTokenValidateResponse(this.#options.secret, bodyOf(res), res.context, {
          onTimestamp: (timestamp) => this.#clock.learnFromAnswer(timestamp, res),
        }),
      validateRefusal,
    )) as ValidateResult;
  }

  /**
   * Opens connections to the operator before the first sign-in (TCP and TLS handshakes done, each
   * checked with a `GET /ops/healthcheck`), so that the first call costs one round trip. Throws
   * `UID2_NETWORK` / `UID2_TIMEOUT` when none could be opened.
   *
   * @example
   * ```ts
   * await client.warmUp();          // at start-up, before the server accepts traffic
   * ```
   */
  async warmUp(options?: CallOptions & { connections?: number }): Promise<void> {
    const { connections, ...call } = options ?? {};
    const signal = callSignal(call);
    if (
      connections !== undefined &&
      (!Number.isInteger(connections) || connections < 1 || connections > 64)
    ) {
      throw new Uid2Error('UID2_INVALID_INPUT', 'connections must be an integer from 1 to 64');
    }
    this.#checkOpen();
    const scope = this.#transport.beginCall(signal);
    try {
      await this.#transport.warmUp(scope, connections ?? WARM_UP_CONNECTIONS);
    } finally {
      scope.dispose();
    }
  }

  /**
   * Closes the connections of the client's own Agent (a given `dispatcher` and `optOuts` store are
   * left to their owner). Idempotent; calls after it reject with `UID2_CLIENT_CLOSED`.
   */
  async close(): Promise<void> {
    clearTimeout(this.#keepWarm);
    await this.#transport.close();
  }

  #checkOpen(): void {
    if (this.#transport.closed) throw closedError(0);
    this.#lastUse = performance.now();
  }

  #refresh(current: Identity): Promise<RefreshResult> {
    const scrubber = this.#scrubber.with([
      current.refresh_token,
      current.refresh_response_key,
      current.advertising_token,
    ]);
    const contentType = this.#path.plainContentType;
    const build = () => ({ body: current.refresh_token, contentType, context: undefined });
    return this.#path.call(
      ENDPOINTS.refresh,
      undefined,
      scrubber,
      build,
      (res) =>
        readRefreshAnswer(bodyOf(res), current.refresh_response_key, this.#clock.conservative(), scrubber),
      refreshRefusal,
    ) as Promise<RefreshResult>;
  }

  /** Keeps pooled connections open across idle periods with a health check when nothing else ran. */
  #startKeepWarm(fixedMs: number | 'auto'): void {
    const arm = () => {
      const interval = fixedMs === 'auto' ? this.#transport.keepWarmIntervalMs() : fixedMs;
      // Looked at every second at most: the hint that sets the interval arrives with the first answer.
      this.#keepWarm = setTimeout(
        () => {
          if (this.#transport.closed) return;
          if (performance.now() - this.#lastUse >= interval) {
            this.#lastUse = performance.now();
            this.warmUp({ connections: 1 }).catch(() => {});
          }
          arm();
        },
        Math.min(interval, 1_000),
      );
      this.#keepWarm.unref();
    };
    arm();
  }

  /** `util.inspect` shows settings only: never the API key or secret. */
  [inspect.custom](): string {
    return `PublisherClient { baseUrl: '${this.baseUrl}', timeoutMs: ${this.#options.timeoutMs}, clockOffsetMs: ${this.#clock.offsetMs} }`;
  }

  /** JSON shows settings only: never the API key or secret. */
  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, timeoutMs: this.#options.timeoutMs, clockOffsetMs: this.#clock.offsetMs };
  }
}
