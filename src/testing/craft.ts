/**
 * Hand-made refresh tokens of a local operator: genuine keys, chosen contents. They let tests reach
 * operator outcomes a well-behaved client never sees (a token from 2020, another scope, a corrupt inner
 * token, a wrapper that is not JSON) without waiting or forging anything.
 */
import { randomBytes } from 'node:crypto';
import { type Identifier, identityFromIdentifier } from './identities.js';
import type { OperatorState } from './state.js';
import type { OperatorScope } from './types.js';

/**
 * Contents of a crafted refresh token. Unset fields get what a fresh generate would write.
 *
 * @example
 * ```ts
 * const { refreshToken } = op.craftRefreshToken({ establishedAt: Date.UTC(2020, 0, 1) }); // optout
 * const broken = op.craftRefreshToken({ innerToken: 'not a token' });                   // invalid_token
 * ```
 */
export interface CraftRefreshTokenOptions {
  /** The identity inside. Default: a random email hash. */
  identity?: Identifier;
  /** Scope written into the inner token. Default: the operator's. */
  scope?: OperatorScope;
  /** Epoch ms. Default: the operator's now. */
  establishedAt?: number;
  /** Epoch ms. Default: the operator's now. */
  createdAt?: number;
  /** Refresh expiry, epoch ms. Default: now + refreshExpiresSeconds. */
  expiresAt?: number;
  /** Site id inside. Default 999. */
  siteId?: number;
  /** Replaces the inner refresh token string. */
  innerToken?: string;
  /** Replaces the whole sealed wrapper JSON (stage-1 format errors). */
  wrapperJson?: string;
  /** The `refresh_response_key` to embed (standard base64). Default: 32 random bytes. */
  refreshResponseKey?: string;
}

/**
 * Mints a refresh token under the operator's current refresh key.
 *
 * @example
 * ```ts
 * craftRefreshToken(state, { expiresAt: state.now() - 1 }); // expired_token
 * ```
 */
export function craftRefreshToken(
  state: OperatorState,
  options: CraftRefreshTokenOptions,
): { refreshToken: string; refreshResponseKey: string } {
  const now = state.now();
  const identity =
    options.identity === undefined
      ? { type: 'email' as const, hash: randomBytes(32) }
      : identityFromIdentifier(options.identity);
  const inner =
    options.innerToken ??
    state.tokens.innerRefreshToken({
      scope: options.scope ?? state.scope,
      type: identity.type,
      firstLevelHash: state.optOuts.firstLevelHash(identity),
      siteId: options.siteId ?? 999,
      createdAt: options.createdAt ?? now,
      expiresAt: options.expiresAt ?? now + state.lifetimes.refreshExpiresSeconds * 1000,
      establishedAt: options.establishedAt ?? now,
    });
  const wrapOptions: { responseKey?: string; wrapperJson?: string } = {};
  if (options.refreshResponseKey !== undefined) wrapOptions.responseKey = options.refreshResponseKey;
  if (options.wrapperJson !== undefined) wrapOptions.wrapperJson = options.wrapperJson;
  return state.tokens.wrapRefreshToken(inner, wrapOptions);
}
