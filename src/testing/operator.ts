/**
 * The local UID2 operator: a node:http server on 127.0.0.1 that answers `/v2/token/generate`,
 * `/v2/token/refresh` and `/ops/healthcheck` like the real operator, plus the test controls.
 * It logs nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Uid2Error } from '../errors.js';
import { handleControl, type OperatorControls } from './controls.js';
import { type CraftRefreshTokenOptions, craftRefreshToken } from './craft.js';
import type { FaultSpec } from './faults.js';
import { type Identifier, identityFromIdentifier } from './identities.js';
import { type Lifetimes, type LocalOperatorOptions, resolveLifetimes } from './options.js';
import { createRequestListener } from './server.js';
import { OperatorState } from './state.js';
import type { OperatorStats } from './stats.js';
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
  readonly #state: OperatorState;
  readonly #server: Server;
  readonly #writer = new ReplyWriter();
  #url = '';
  #closed = false;

  private constructor(options: LocalOperatorOptions) {
    this.#state = new OperatorState(options);
    const control = options.controlRoute === false ? null : handleControl.bind(null, this);
    const listener = createRequestListener(this.#state, this.#writer, control);
    this.#server = createServer((req, res) => {
      listener(req, res).catch(() => {
        // A bug here must not take the test process down; answer like the operator's failure handler.
        if (!res.headersSent) res.writeHead(500).end('Internal Server Error');
        else res.destroy();
      });
    });
    this.apiKey = this.#state.primaryClient.apiKey;
    this.secretKey = this.#state.primaryClient.secretKey;
    this.scope = this.#state.scope;
  }

  /** @internal Use {@link startLocalOperator}. */
  static async start(options: LocalOperatorOptions): Promise<LocalOperator> {
    const operator = new LocalOperator(options);
    const server = operator.#server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    operator.#url = `http://127.0.0.1:${port}`;
    return operator;
  }

  /** Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  get url(): string {
    return this.#url;
  }

  /** Stops listening and destroys every open connection, so no test waits on a stalled socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer.close();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
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
