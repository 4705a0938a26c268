/**
 * The one private call path of the client: post with retries, retry once on a timestamp refusal with
 * the clock the refusal taught, turn documented refusals into outcomes and any other non-200 into a
 * `Uid2Error` (scrubbed), and hand a 200 to the endpoint's reader.
 */
import type { OperatorClock } from './clock.js';
import type { ResolvedOptions } from './config.js';
import type { EndpointSpec } from './endpoints/table.js';
import { sealRequestEnvelope } from './envelope.js';
import { Uid2Error } from './errors.js';
import { errorFromAnswer, isTimestampRefusal, type Refusal, type RefusalReader } from './operator-answer.js';
import type { Scrubber } from './scrub.js';
import { type OperatorResponse, type OutgoingRequest, Transport } from './transport.js';
import { CLIENT_VERSION_HEADER } from './version.js';

/** The transport for a client's resolved options, reading the client's clock. */
export function transportFor(resolved: ResolvedOptions, clock: OperatorClock): Transport {
  return new Transport({
    origin: resolved.base.origin,
    basePath: resolved.base.basePath,
    apiKey: resolved.apiKey,
    clientVersion: CLIENT_VERSION_HEADER,
    timeoutMs: resolved.timeoutMs,
    attemptTimeoutMs: resolved.attemptTimeoutMs,
    retries: resolved.retries,
    maxResponseBytes: resolved.maxResponseBytes,
    maxRetryAfterMs: resolved.maxRetryAfterMs,
    backoffBaseMs: resolved.backoffBaseMs,
    clock: () => clock.local(),
    clockOffset: () => clock.offsetMs,
    // Pooled connections must outlive the keep-warm interval, or there is nothing to keep warm (the
    // operator's own Keep-Alive hint still caps it).
    keepAliveMs: resolved.keepWarmMs === 'auto' ? 60_000 : resolved.keepWarmMs * 2,
    ...(resolved.dispatcher === undefined ? {} : { dispatcher: resolved.dispatcher as never }),
  });
}

/** A 200 body as the endpoint readers take it: bytes in binary mode, base64 text otherwise. */
export function bodyOf(res: OperatorResponse<unknown>): string | Uint8Array {
  return res.contentType.toLowerCase() === 'application/octet-stream'
    ? res.body
    : res.body.toString('latin1');
}

/** Runs endpoint calls for one client. */
export class CallPath {
  readonly #options: ResolvedOptions;
  readonly #clock: OperatorClock;
  readonly #transport: Transport;

  constructor(options: ResolvedOptions, clock: OperatorClock, transport: Transport) {
    this.#options = options;
    this.#clock = clock;
    this.#transport = transport;
  }

  /** Builds a fresh request envelope for each attempt, at the corrected clock. */
  sealing(json: string): () => OutgoingRequest<Uint8Array> {
    return () => {
      const { bytes, nonce } = sealRequestEnvelope(this.#options.secret, json, {
        now: this.#clock.corrected(),
      });
      return this.#options.envelope === 'binary'
        ? { body: bytes, contentType: 'application/octet-stream', context: nonce }
        : { body: bytes.toString('base64'), contentType: 'text/plain', context: nonce };
    };
  }

  /** The request content type of endpoints whose body is not an envelope (refresh). */
  get plainContentType(): string {
    return this.#options.envelope === 'binary' ? 'application/octet-stream' : 'text/plain';
  }

  /** One call of `spec`: see the file comment. */
  async call<C, R>(
    spec: EndpointSpec,
    signal: AbortSignal | undefined,
    scrubber: Scrubber,
    build: () => OutgoingRequest<C>,
    read: (res: OperatorResponse<C>) => R,
    refuse?: RefusalReader,
  ): Promise<R | Refusal> {
    const scope = this.#transport.beginCall(signal);
    try {
      const target = { path: spec.path, label: spec.label, build };
      let res = await this.#transport.post(scope, target);
      if (
        spec.skewRetry &&
        isTimestampRefusal(res.statusCode, res.body) &&
        this.#clock.learnFromRefusal(res.dateMs, res)
      ) {
        res = await this.#transport.post(scope, target);
      }
      const refusal = refuse?.(res.statusCode, res.body, scrubber);
      if (refusal !== undefined) return refusal;
      if (res.statusCode !== 200) throw errorFromAnswer(res.statusCode, res.body, scope.attempts, scrubber);
      return read(res);
    } catch (err) {
      if (!(err instanceof Uid2Error)) {
        // Never let a stray exception (or what it holds) out: every failure is a Uid2Error.
        throw new Uid2Error('UID2_RESPONSE_INVALID', 'the answer could not be read', {
          attempts: scope.attempts,
        });
      }
      throw err.attempts === undefined && scope.attempts > 0 ? err.withAttempts(scope.attempts) : err;
    } finally {
      scope.dispose();
    }
  }
}
