/**
 * Everything the local operator knows, in one object the route handlers and the controls share: scope,
 * clock, clients, keys, opt-outs, lifetimes, pending faults and statistics.
 */
import { randomBytes } from 'node:crypto';
import { Uid2Error } from '../errors.js';
import { AdvertisingTokens } from './advertising-token.js';
import { ClientRegistry, generateApiKey, generateSecretKey, type LocalClientOptions } from './auth.js';
import { FaultQueue } from './faults.js';
import { identityFromIdentifier, OptOutRegistry } from './identities.js';
import { type Lifetimes, type LocalOperatorOptions, resolveLifetimes } from './options.js';
import { RequestStats } from './stats.js';
import { TokenService } from './tokens.js';
import type { IdentityType, OperatorScope } from './types.js';

/**
 * The identity object of a success answer, in the operator's key order.
 *
 * @example
 * ```ts
 * const identity: IdentityBody = JSON.parse(identityJson);
 * identity.refresh_token.length; // 388
 * ```
 */
export interface IdentityBody {
  advertising_token: string;
  refresh_token: string;
  identity_expires: number;
  refresh_expires: number;
  refresh_from: number;
  refresh_response_key: string;
}

/**
 * What a new identity is minted from.
 *
 * @example
 * ```ts
 * state.issueIdentity({ type: 'email', firstLevelHash, siteId: 999, establishedAt: now, now });
 * ```
 */
export interface IssueRequest {
  type: IdentityType;
  firstLevelHash: Buffer;
  siteId: number;
  establishedAt: number;
  now: number;
}

/**
 * The operator's state.
 *
 * @example
 * ```ts
 * const state = new OperatorState({ scope: 'euid' });
 * state.now(); // Date.now() + state.clockOffsetMs
 * ```
 */
export class OperatorState {
  readonly scope: OperatorScope;
  readonly clients: ClientRegistry;
  /** The first client, which `apiKey` / `secretKey` of the handle describe. */
  readonly primaryClient: LocalClientOptions;
  readonly tokens: TokenService;
  readonly adTokens = new AdvertisingTokens();
  readonly optOuts = new OptOutRegistry(randomBytes(32));
  readonly faults = new FaultQueue();
  readonly stats = new RequestStats();
  lifetimes: Lifetimes;
  clockOffsetMs = 0;
  readonly #baseNow: () => number;

  constructor(options: LocalOperatorOptions) {
    this.scope = options.scope ?? 'uid2';
    if (this.scope !== 'uid2' && this.scope !== 'euid') {
      throw new Uid2Error('UID2_INVALID_CONFIG', 'scope must be uid2 or euid');
    }
    const clients = options.clients ?? [
      {
        apiKey: generateApiKey(this.scope, 999),
        secretKey: generateSecretKey(),
        siteId: 999,
        name: 'default',
      },
    ];
    this.clients = new ClientRegistry(clients);
    const primary = clients[0];
    if (primary === undefined)
      throw new Uid2Error('UID2_INVALID_CONFIG', 'clients must hold at least one client');
    this.primaryClient = primary;
    this.tokens = new TokenService(this.scope);
    this.lifetimes = resolveLifetimes(options);
    this.#baseNow = options.now ?? Date.now;
    for (const identifier of options.optOut ?? []) this.optOuts.add(identityFromIdentifier(identifier));
    for (const fault of options.faults ?? []) this.faults.add(fault);
  }

  /** The operator's clock: the base clock plus the offset control, whole milliseconds. */
  now(): number {
    return Math.trunc(this.#baseNow() + this.clockOffsetMs);
  }

  /** Mints a complete identity: advertising token, 388-char refresh token, times, response key. */
  issueIdentity(request: IssueRequest): IdentityBody {
    const { now } = request;
    const identityExpires = now + this.lifetimes.identityExpiresSeconds * 1000;
    const refreshExpires = now + this.lifetimes.refreshExpiresSeconds * 1000;
    const claims = {
      scope: this.scope,
      type: request.type,
      firstLevelHash: request.firstLevelHash,
      siteId: request.siteId,
      createdAt: now,
      expiresAt: refreshExpires,
      establishedAt: request.establishedAt,
    };
    const wrapped = this.tokens.wrapRefreshToken(this.tokens.innerRefreshToken(claims));
    return {
      advertising_token: this.adTokens.mint({
        scope: this.scope,
        type: request.type,
        siteId: request.siteId,
        rawUid: this.adTokens.rawUid(request.firstLevelHash),
        identityExpires,
        createdAt: now,
        establishedAt: request.establishedAt,
      }),
      refresh_token: wrapped.refreshToken,
      identity_expires: identityExpires,
      refresh_expires: refreshExpires,
      refresh_from: now + this.lifetimes.refreshFromSeconds * 1000,
      refresh_response_key: wrapped.refreshResponseKey,
    };
  }
}
