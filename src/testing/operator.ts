/**
 * The local UID2 operator: a node:http server on 127.0.0.1 that answers `/v2/token/generate`,
 * `/v2/token/refresh` and `/ops/healthcheck` like the real operator, plus the test controls.
 * It logs nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Uid2Error } from '../errors.js';
import { CONTROL_PREFIX, handleControl } from './controls.js';
import { type CraftRefreshTokenOptions, craftRefreshToken } from './craft.js';
import { type FaultSpec, replacementReply, transformReply } from './faults.js';
import { handleGenerate } from './generate.js';
import {
  isBinaryRequest,
  jsonReply,
  MAX_REQUEST_BODY_BYTES,
  notFound,
  type Reply,
  readBody,
  textReply,
} from './http.js';
import { type Identifier, identityFromIdentifier } from './identities.js';
import type { Lifetimes, LocalOperatorOptions, OperatorScope } from './options.js';
import { resolveLifetimes } from './options.js';
import { handleRefresh } from './refresh.js';
import { OperatorState } from './state.js';
import type { OperatorStats, StatsEndpoint } from './stats.js';

const ROUTES: Record<string, { method: string; endpoint: StatsEndpoint }> = {
  '/v2/token/generate': { method: 'POST', endpoint: 'generate' },
  '/v2/token/refresh': { method: 'POST', endpoint: 'refresh' },
  '/ops/healthcheck': { method: 'GET', endpoint: 'healthcheck' },
};

const CORS_ALLOWED_HEADERS =
  'X-UID2-Client-Version,Access-Control-Request-Method,Access-Control-Allow-Credentials,' +
  'Access-Control-Allow-Origin,Access-Control-Allow-Headers,Content-Type';

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
export class LocalOperator {
  /** Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly url: string;
  /** API key of the first client (the generated default one unless `clients` was given). */
  readonly apiKey: string;
  /** Client secret of the first client. */
  readonly secretKey: string;
  /** `uid2` or `euid`. */
  readonly scope: OperatorScope;
  readonly #state: OperatorState;
  readonly #server: Server;
  readonly #controlRoute: boolean;
  readonly #timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #closed = false;

  /** @internal Use {@link startLocalOperator}. */
  constructor(server: Server, state: OperatorState, controlRoute: boolean) {
    this.#server = server;
    this.#state = state;
    this.#controlRoute = controlRoute;
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.apiKey = state.primaryClient.apiKey;
    this.secretKey = state.primaryClient.secretKey;
    this.scope = state.scope;
  }

  /** Stops listening and destroys every open connection, so no test waits on a stalled socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const entry of this.#timers) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.#timers.clear();
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

  /** @internal The request listener. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // The Date header shows the operator's clock, offset included, as a real operator's would: clients
    // learn their skew from it.
    res.setHeader('Date', new Date(this.#state.now()).toUTCString());
    const origin = req.headers.origin;
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
        res.setHeader('Access-Control-Allow-Methods', 'GET,POST,OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
        this.#write(res, textReply(204, ''));
        return;
      }
    }
    if (this.#controlRoute && url.pathname.startsWith(CONTROL_PREFIX)) {
      const body = await readBody(req, 64 * 1024);
      if (body === null) return;
      if (body === 'too-large') return this.#tooLarge(req, res);
      this.#write(
        res,
        handleControl(this, req.method ?? '', url.pathname.slice(CONTROL_PREFIX.length), body),
      );
      return;
    }
    const route = ROUTES[url.pathname];
    const matched = route !== undefined && route.method === req.method;
    const version = req.headers['x-uid2-client-version'];
    const clientVersion =
      typeof version === 'string' ? version : (url.searchParams.get('client') ?? undefined);
    this.#state.stats.countRequest(matched ? route.endpoint : 'other', clientVersion);
    if (!matched) return this.#count(res, route === undefined ? notFound() : textReply(405, ''));
    if (route.endpoint === 'healthcheck') return this.#count(res, textReply(200, 'OK'));
    await this.#tokenRoute(req, res, route.endpoint as 'generate' | 'refresh');
  }

  async #tokenRoute(
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: 'generate' | 'refresh',
  ): Promise<void> {
    const body = await readBody(req, MAX_REQUEST_BODY_BYTES);
    if (body === null || this.#closed) return;
    if (body === 'too-large') {
      this.#state.stats.countStatus(413);
      return this.#tooLarge(req, res);
    }
    const fault = this.#state.faults.take(endpoint);
    if (fault?.kind === 'delay') await this.#sleep(fault.ms);
    if (this.#closed || res.destroyed) return;
    if (fault?.kind === 'reset') {
      this.#state.stats.countStatus('reset');
      req.socket.destroy();
      return;
    }
    let reply = fault === undefined ? undefined : replacementReply(fault, endpoint);
    if (reply === undefined) {
      reply = endpoint === 'generate' ? this.#generate(req, body) : this.#refresh(req, body);
      if (fault !== undefined) reply = transformReply(fault, reply);
    }
    this.#state.stats.countStatus(reply.status);
    if (fault?.kind === 'stall') return this.#stall(res, reply, fault.ms);
    if (fault?.kind === 'truncated') return this.#truncate(req, res, reply);
    this.#write(res, reply);
  }

  #generate(req: IncomingMessage, body: Buffer): Reply {
    // 401 comes before any look at the body, but after the body limit (BodyHandler runs first).
    const client = this.#state.clients.authorizeGenerator(req.headers.authorization);
    if (client === null) return jsonReply(401, { status: 'unauthorized' });
    return handleGenerate(this.#state, client, body, isBinaryRequest(req));
  }

  #refresh(req: IncomingMessage, body: Buffer): Reply {
    const authenticated = this.#state.clients.resolve(req.headers.authorization) !== null;
    return handleRefresh(this.#state, body.toString('utf8'), authenticated, isBinaryRequest(req));
  }

  #count(res: ServerResponse, reply: Reply): void {
    this.#state.stats.countStatus(reply.status);
    this.#write(res, reply);
  }

  /** Writes a reply; with `end: false` only the status and headers (with `declaredLength`). */
  #write(res: ServerResponse, reply: Reply, end = true, declaredLength = reply.body.length): void {
    if (res.destroyed) return;
    res.statusCode = reply.status;
    for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
    res.setHeader('Content-Length', declaredLength);
    if (end) res.end(reply.body);
  }

  /** Headers and half the body now; the rest after `ms`, or never (the client has to give up). */
  #stall(res: ServerResponse, reply: Reply, ms: number | undefined): void {
    this.#write(res, reply, false);
    const half = Math.floor(reply.body.length / 2);
    res.write(reply.body.subarray(0, half));
    if (ms === undefined) return;
    void this.#sleep(ms).then(() => {
      if (!res.destroyed && !this.#closed) res.end(reply.body.subarray(half));
    });
  }

  /** Promises more bytes than it sends, then closes the connection. */
  #truncate(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    this.#write(res, reply, false, reply.body.length + 16);
    res.write(reply.body.subarray(0, Math.floor(reply.body.length / 2)), () => req.socket.destroy());
  }

  /** 413 as Vert.x sends it; the rest of the body is discarded, then the connection is closed. */
  #tooLarge(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Connection', 'close');
    this.#write(res, textReply(413, 'Request Entity Too Large'));
    req.resume();
    void this.#sleep(2000).then(() => req.socket.destroy());
  }

  #sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.#timers.add(entry);
    });
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
export async function startLocalOperator(options: LocalOperatorOptions = {}): Promise<LocalOperator> {
  const state = new OperatorState(options);
  let operator: LocalOperator | undefined;
  const server = createServer((req, res) => {
    operator?.handle(req, res).catch(() => {
      // A handler bug must not take the test process down; answer like the operator's failure handler.
      if (!res.headersSent) res.writeHead(500).end('Internal Server Error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  operator = new LocalOperator(server, state, options.controlRoute !== false);
  return operator;
}
