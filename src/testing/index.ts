/**
 * `uid2-publisher/testing`: a local UID2/EUID operator for tests and for mobile apps in development.
 *
 * @example
 * ```ts
 * import { startLocalOperator } from 'uid2-publisher/testing';
 *
 * const op = await startLocalOperator();
 * // op.url, op.apiKey, op.secretKey; op.injectFault(...), op.optOut(...), op.advanceClock(...)
 * await op.close();
 * ```
 *
 * @module uid2-publisher/testing
 */
export type { LocalClientOptions, OperatorRole } from './auth.js';
export { generateApiKey, generateSecretKey } from './auth.js';
export { CONTROL_PREFIX } from './controls.js';
export type { CraftRefreshTokenOptions } from './craft.js';
export type { FaultEndpoint, FaultSpec, FaultTarget } from './faults.js';
export { FAULT_KINDS } from './faults.js';
export type { Identifier } from './identities.js';
export { TEST_IDENTITIES } from './identities.js';
export { checkMobileIdentity, MAX_MOBILE_IDENTITY_LENGTH } from './mobile-contract.js';
export { LocalOperator, startLocalOperator } from './operator.js';
export type { Lifetimes, LocalOperatorOptions } from './options.js';
export { LIFETIME_PROFILES } from './options.js';
export { REFRESH_TOKEN_LENGTH } from './refresh.js';
export type { IdentityBody } from './state.js';
export type { OperatorStats, StatsEndpoint } from './stats.js';
export type { TcfConsent, TcfConsentSpec, VendorSet } from './tcf.js';
export {
  buildTcfConsentString,
  EUID_REQUIRED_PURPOSES,
  EUID_REQUIRED_SPECIAL_FEATURE,
  EUID_TCF_VENDOR_ID,
  hasEuidConsent,
  parseTcfConsent,
} from './tcf.js';
export type { TlsMaterial } from './tls.js';
export { DEFAULT_TLS_HOSTS } from './tls.js';
export type { IdentityType, OperatorScope } from './types.js';
