/**
 * The local UID2 operator: an HTTP, HTTPS or HTTP/2 server on 127.0.0.1 that answers
 * `/v2/token/generate`, `/v2/token/refresh`, `/v2/token/validate` and `/ops/healthcheck` like the real
 * operator, plus the test controls. It logs nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Uid2Error } from '../errors.js';
import { handleControl, type OperatorControls } from './controls.js';
import { type CraftRefreshTokenOptions, craftRefreshToken } from './craft.js';
import type { FaultSpec } from './faults.js';
import { type Identifier, identityFromIdentifier } from './identities.js';
import { type Listening, listen } from './listen.js';
import { type Lifetimes, type LocalOperatorOptions, resolveLifetimes } from './options.js';
import { createRequestListener } from './server.js';
import { OperatorState } from './state.js';
import type { OperatorStats } from './stats.js';
import { DEFAULT_TLS_HOSTS, type ResolvedTls, resolveTls } from './tls.js';
import type { OperatorScope } from './types.js';
import { ReplyWriter } from './writer.js';

/**
 * A running local operator: its address, the default client's credentials, and the test controls.
 * Obtain one with {@link startLocalOperator}; always `close()` it.
 *
 * @example
 * ```ts
 * const op = await startLocalOperator();
 * const client = new PublisherClient({ baseUrl: op.url, apiKey: op.apiKey, secretKey: op.secretKey });
 * op.injectFault({ kind: 'http503' });
 * await op.close();
 * ```
 */
export class LocalOperator implements OperatorControls {
  /** API key of the first client (the generated default one unless `clients` was given). */
  readonly apiKey: string;
  /** Client secret of the first client. */
  readonly secretKey: string;
  /** `uid2` or `euid`. */
  readonly scope: OperatorScope;
  /** The PEM certificate clients must trust when the operator serves HTTPS; undefined over HTTP. */
  readonly ca: string | undefined;
  readonly #state: OperatorState;
  readonly #tls: ResolvedTls | undefined;
  readonly #hosts: readonly string[];
  readonly #writer = new ReplyWriter();
  #listening: Listening | undefined;
  #closed = false;

  private constructor(options: LocalOperatorOptions, tls: ResolvedTls | undefined) {
    this.#state = new OperatorState(options);
    this.#tls = tls;
    this.ca = tls?.ca;
    // The emulator's 10.0.2.2 reaches plain HTTP too; IP literals cannot be DNS-rebound.
    this.#hosts = [...DEFAULT_TLS_HOSTS, ...(options.tlsHosts ?? [])].map(bare);
    this.apiKey = this.#state.primaryClient.apiKey;
    this.secretKey = this.#state.primaryClient.secretKey;
    this.scope = this.#state.scope;
  }

  /** @internal Use {@link startLocalOperator}. */
  static async start(options: LocalOperatorOptions): Promise<LocalOperator> {
    if (options.http2 !== undefined && typeof options.http2 !== 'boolean') {
      throw new Uid2Error('UID2_INVALID_CONFIG', 'http2 must be a boolean');
    }
    const operator = new LocalOperator(options, await resolveTls(options));
    const control = options.controlRoute === false ? null : handleControl.bind(null, operator);
    const listener = createRequestListener(operator.#state, operator.#writer, control, () => ({
      scheme: operator.#tls === undefined ? 'http' : 'https',
      port: operator.#listening?.port ?? 0,
      extraHosts: operator.#hosts,
    }));
    operator.#listening = await listen({
      port: options.port ?? 0,
      tls: operator.#tls,
      http2: options.http2 === true,
      handler: (req: IncomingMessage, res: ServerResponse) => {
        listener(req, res).catch(() => {
          // A bug here must not take the test process down; answer like the operator's failure handler.
          if (!res.headersSent) res.writeHead(500).end('Internal Server Error');
          else res.destroy();
        });
      },
    });
    return operator;
  }

  /** Base URL, `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` with TLS (no trailing slash). */
  get url(): string {
    return this.#listening?.url ?? '';
  }

  /** Stops listening and destroys every open connection, so no test waits on a stalled socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer.close();
    await this.#listening?.close();
  }

  /** Queues a fault (or several); see {@link FaultSpec}. Throws `UID2_INVALID_INPUT` for a bad one. */
  injectFault(fault: FaultSpec | readonly FaultSpec[]): void {
    for (const spec of Array.isArray(fault) ? fault : [fault]) this.#state.faults.add(spec as FaultSpec);
  }

  /** Faults still pending, with their remaining uses. */
  pendingFaults(): (FaultSpec & { remaining: number })[] {
    return this.#state.faults.list();
  }

  /** Drops every pending fault. */
  clearFaults(): void {
    this.#state.faults.clear();
  }

  /** The operator's clock, epoch ms (base clock + offset). */
  now(): number {
    return this.#state.now();
  }

  /** Current clock offset in ms. */
  get clockOffsetMs(): number {
    return this.#state.clockOffsetMs;
  }

  /** Sets the clock offset: positive puts the operator in the future (expires tokens, rejects requests). */
  setClockOffset(offsetMs: number): void {
    if (!Number.isFinite(offsetMs))
      throw new Uid2Error('UID2_INVALID_INPUT', 'offsetMs must be a finite number');
    this.#state.clockOffsetMs = offsetMs;
  }

  /** Moves the operator's clock forward (or back, if negative) by `ms`. */
  advanceClock(ms: number): void {
    this.setClockOffset(this.#state.clockOffsetMs + ms);
  }

  /** Opts an identity out: generate answers `optout`, and so does refresh of its existing tokens. */
  optOut(identifier: Identifier): void {
    this.#state.optOuts.add(identityFromIdentifier(identifier));
  }

  /** Empties the opt-out list (the built-in test identities keep their behaviour). */
  clearOptOuts(): void {
    this.#state.optOuts.clear();
  }

  /**
   * Makes a new refresh key current. Without `keepOld`, every refresh token issued so far gets the
   * operator's `Invalid key: Generator of this token (Key ID: n) does not exist.` error.
   */
  rotateRefreshKey(options: { keepOld?: boolean } = {}): { refreshKeyId: number; refreshKeyIds: number[] } {
    const refreshKeyId = this.#state.tokens.rotateRefreshKey(options.keepOld === true);
    return { refreshKeyId, refreshKeyIds: this.#state.tokens.refreshKeyIds };
  }

  /** Changes token lifetimes for identities issued from now on; returns the lifetimes in force. */
  setLifetimes(lifetimes: Partial<Lifetimes>): Lifetimes {
    this.#state.lifetimes = resolveLifetimes({ lifetimes: { ...this.#state.lifetimes, ...lifetimes } });
    return { ...this.#state.lifetimes };
  }

  /** Request statistics (counts only, never secrets). */
  stats(): OperatorStats {
    return this.#state.stats.snapshot();
  }

  /** Sets every statistic back to zero. */
  resetStats(): void {
    this.#state.stats.reset();
  }

  /** A refresh token of this operator with chosen contents, to test outcomes a client cannot reach. */
  craftRefreshToken(options: CraftRefreshTokenOptions = {}): {
    refreshToken: string;
    refreshResponseKey: string;
  } {
    return craftRefreshToken(this.#state, options);
  }

  /** A secret-free summary of the configuration and state (also `GET /_local/state`). */
  describe(): Record<string, unknown> {
    return {
      scope: this.scope,
      now: this.now(),
      clockOffsetMs: this.clockOffsetMs,
      lifetimes: { ...this.#state.lifetimes },
      refreshKeyId: this.#state.tokens.refreshKeyId,
      refreshKeyIds: this.#state.tokens.refreshKeyIds,
      optOutCount: this.#state.optOuts.size,
      pendingFaults: this.pendingFaults(),
    };
  }
}

/** Host names as the control guard compares them: lower case, IPv6 without brackets. */
function bare(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

/**
 * Starts a local operator on 127.0.0.1 (port 0 unless `port` is given) and resolves once it listens.
 *
 * @example
 * ```ts
 * import { startLocalOperator } from 'uid2-publisher/testing';
 *
 * const op = await startLocalOperator({ profile: 'integration' });
 * try {
 *   // ... point the client or the mobile SDK at op.url, with op.apiKey / op.secretKey
 * } finally {
 *   await op.close();
 * }
 * ```
 */
export function startLocalOperator(options: LocalOperatorOptions = {}): Promise<LocalOperator> {
  return LocalOperator.start(options);
}
