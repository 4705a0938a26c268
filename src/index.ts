/**
 * uid2-publisher: the server side of UID2/EUID for Node.js publishers.
 * Public exports only; see README.md for the guide.
 *
 * @module uid2-publisher
 */
export { type CallOptions, PublisherClient, type PublisherClientOptions } from './client.js';
export {
  DIAGNOSTICS_CHANNELS,
  type RequestEndEvent,
  type RequestEndpoint,
  type RequestStartEvent,
  type StoreErrorEvent,
} from './diagnostics.js';
export {
  type DecryptOptions,
  decryptTokenGenerateResponse,
  encryptTokenGenerateRequest,
  type GenerateResult,
  type InsufficientConsent,
} from './endpoints/generate.js';
export {
  decryptTokenRefreshResponse,
  type RefreshResult,
  type RefreshTokenExpired,
  type RefreshTokenInvalid,
} from './endpoints/refresh.js';
export { ENDPOINTS, type EndpointLabel, type EndpointSpec, type EnvelopeKind } from './endpoints/table.js';
export {
  decryptTokenValidateResponse,
  encryptTokenValidateRequest,
  type ValidateInput,
  type ValidateResult,
} from './endpoints/validate.js';
export { type EncryptedRequest, encryptRequestEnvelope, type RequestEnvelopeOptions } from './envelope.js';
export { Environments } from './environments.js';
export {
  isUid2Error,
  UID2_ERROR_CODES,
  Uid2Error,
  type Uid2ErrorCode,
  type Uid2ErrorDetails,
} from './errors.js';
export {
  hasExpired,
  type Identity,
  identityToJson,
  isDueForRefresh,
  isRefreshable,
  parseIdentity,
  redactIdentity,
} from './identity.js';
export {
  type EmailHashInput,
  type EmailInput,
  type GenerateInput,
  hashEmail,
  hashPhone,
  isNormalizedPhone,
  normalizeEmail,
  type PhoneHashInput,
  type PhoneInput,
  type TokenGenerateRequest,
} from './input.js';
export type { SecretKeyInput } from './keys.js';
export type { IdentityCurrent, IdentityIssued, OptedOut } from './results.js';
export { MemoryOptOutStore, type MemoryOptOutStoreOptions } from './state/memory.js';
export {
  OptOutHasher,
  type OptOutStore,
  type OptOutSubjectType,
  optOutSubject,
  optOutSubjectOf,
} from './state/opt-out.js';
export { openIdentity, SEALED_IDENTITY_MAX_LENGTH, type SealOptions, sealIdentity } from './state/sealed.js';
export { CLIENT_VERSION_HEADER, VERSION } from './version.js';
