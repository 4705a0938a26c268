/**
 * uid2-publisher: the server side of UID2/EUID for Node.js publishers.
 * Public exports only; see README.md for the guide.
 */
export { type CallOptions, PublisherClient, type PublisherClientOptions } from './client.js';
export {
  DIAGNOSTICS_CHANNELS,
  type RequestEndEvent,
  type RequestStartEvent,
} from './diagnostics.js';
export {
  decryptTokenGenerateResponse,
  decryptTokenRefreshResponse,
  type EncryptedRequest,
  encryptRequestEnvelope,
  encryptTokenGenerateRequest,
  type RequestEnvelopeOptions,
  type SecretKeyInput,
} from './envelope.js';
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
export type {
  GenerateResult,
  IdentityIssued,
  InsufficientConsent,
  OptedOut,
  RefreshResult,
  RefreshTokenExpired,
  RefreshTokenInvalid,
} from './results.js';
export { CLIENT_VERSION_HEADER, VERSION } from './version.js';
