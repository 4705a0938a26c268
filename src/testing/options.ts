/**
 * Options of the local operator and how defaults are filled in. Kept apart from the server so that the
 * option types can be read (and documented) without reading any HTTP code.
 */
import { Uid2Error } from '../errors.js';
import type { LocalClientOptions } from './auth.js';
import type { FaultSpec } from './faults.js';
import type { Identifier } from './identities.js';
import type { TlsMaterial } from './tls.js';
import type { OperatorScope } from './types.js';

/**
 * Token lifetimes in seconds, as the operator's runtime config names them (PROTOCOL.md §8).
 *
 * @example
 * ```ts
 * const op = await startLocalOperator({ lifetimes: { refreshFromSeconds: 5, identityExpiresSeconds: 10 } });
 * ```
 */
export interface Lifetimes {
  /** `refresh_from` = now + this. Production: 3600. */
  refreshFromSeconds: number;
  /** `identity_expires` = now + this. Production: 259200 (3 days). */
  identityExpiresSeconds: number;
  /** `refresh_expires` = now + this. Production: 2592000 (30 days). */
  refreshExpiresSeconds: number;
}

/**
 * Named lifetime profiles: `production` (1 h / 3 d / 30 d, the public prod template) and `integration`
 * (15 min / 1 h / 24 h, the operator's local and test runtime config, close to what integ serves).
 *
 * @example
 * ```ts
 * LIFETIME_PROFILES.integration.identityExpiresSeconds; // 3600
 * ```
 */
export const LIFETIME_PROFILES: Readonly<Record<'production' | 'integration', Readonly<Lifetimes>>> =
  Object.freeze({
    production: Object.freeze({
      refreshFromSeconds: 3600,
      identityExpiresSeconds: 259_200,
      refreshExpiresSeconds: 2_592_000,
    }),
    integration: Object.freeze({
      refreshFromSeconds: 900,
      identityExpiresSeconds: 3600,
      refreshExpiresSeconds: 86_400,
    }),
  });

/**
 * Options of {@link startLocalOperator}. Every field is optional.
 *
 * @example
 * ```ts
 * const op = await startLocalOperator({ scope: 'euid', profile: 'integration', optOut: [{ email: 'gone@example.com' }] });
 * ```
 */
export interface LocalOperatorOptions {
  /** TCP port on 127.0.0.1. Default 0 (a free port). The host is always 127.0.0.1. */
  port?: number;
  /** `uid2` (default) or `euid`: token prefixes, scope byte, HINT docs host and TCF consent checks. */
  scope?: OperatorScope;
  /** API clients. Default: one generated `GENERATOR` client, exposed as `apiKey` / `secretKey`. */
  clients?: readonly LocalClientOptions[];
  /** Lifetime profile. Default `production`. */
  profile?: 'production' | 'integration';
  /** Overrides of single lifetimes, on top of `profile`. */
  lifetimes?: Partial<Lifetimes>;
  /** Identities opted out from the start (besides the built-in test identities). */
  optOut?: readonly Identifier[];
  /** The clock, epoch ms. Default `Date.now`. The clock offset control is added to it. */
  now?: () => number;
  /** Whether the `/_local/*` HTTP control routes exist. Default true. */
  controlRoute?: boolean;
  /** Faults queued from the start (see {@link FaultSpec}). */
  faults?: readonly FaultSpec[];
  /**
   * Serve HTTPS: `true` generates a self-signed certificate at start (needs the optional dependency
   * `selfsigned`; its PEM is `op.ca`), or pass your own `{ cert, key, ca? }` PEM strings. Default false.
   */
  tls?: boolean | TlsMaterial;
  /**
   * Extra names or IP addresses the generated certificate covers, besides 127.0.0.1, ::1, localhost
   * and 10.0.2.2 (the Android emulator's address for its host). The control routes accept them as
   * `Host` too. Needs `tls`.
   */
  tlsHosts?: readonly string[];
  /** Serve HTTP/2 (with HTTP/1.1 on the same port, by ALPN). Needs `tls`. Default false. */
  http2?: boolean;
}

/**
 * Lifetimes from a profile plus overrides, checked the way the operator checks its runtime config.
 *
 * @example
 * ```ts
 * resolveLifetimes({ profile: 'integration', lifetimes: { refreshFromSeconds: 60 } }).identityExpiresSeconds; // 3600
 * ```
 */
export function resolveLifetimes(options: LocalOperatorOptions): Lifetimes {
  const profile = options.profile ?? 'production';
  const base = LIFETIME_PROFILES[profile];
  if (base === undefined)
    throw new Uid2Error('UID2_INVALID_CONFIG', 'profile must be production or integration');
  const lifetimes: Lifetimes = { ...base };
  for (const key of ['refreshFromSeconds', 'identityExpiresSeconds', 'refreshExpiresSeconds'] as const) {
    const value = options.lifetimes?.[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new Uid2Error('UID2_INVALID_CONFIG', `lifetimes.${key} must be a non-negative integer`);
    }
    lifetimes[key] = value;
  }
  // The operator refuses a runtime config that breaks this order (O-SVC validateTokenDurations).
  if (
    lifetimes.refreshExpiresSeconds < lifetimes.identityExpiresSeconds ||
    lifetimes.identityExpiresSeconds < lifetimes.refreshFromSeconds
  ) {
    throw new Uid2Error(
      'UID2_INVALID_CONFIG',
      'lifetimes must satisfy refreshExpiresSeconds >= identityExpiresSeconds >= refreshFromSeconds',
    );
  }
  return lifetimes;
}
