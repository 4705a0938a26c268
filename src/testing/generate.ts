/**
 * POST /v2/token/generate after authentication: the envelope (§2.2), the input rules (§4.2), EUID
 * consent, test identities and opt-out (§9), then a new identity sealed under the client secret (§3.1).
 */
import type { RegisteredClient } from './auth.js';
import { clientError, type Reply, sealedReply } from './http.js';
import { type IdentityField, type IdentityHash, identityFromField } from './identities.js';
import { parseRequestEnvelope } from './request-envelope.js';
import type { OperatorState } from './state.js';
import { hasEuidConsent, parseTcfConsent } from './tcf.js';

const FIELDS: readonly IdentityField[] = ['email', 'email_hash', 'phone', 'phone_hash'];

const MISSING =
  'Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified';

/**
 * The identity of a request, `missing` (none or several fields) or `invalid`. JSON null counts as
 * absent (Vert.x getString). Other non-string values are taken as invalid identifiers.
 */
function readIdentity(payload: Record<string, unknown> | null): IdentityHash | 'missing' | 'invalid' {
  if (payload === null) return 'missing';
  const present = FIELDS.filter((field) => payload[field] !== undefined && payload[field] !== null);
  const [field] = present;
  if (present.length !== 1 || field === undefined) return 'missing';
  const value = payload[field];
  if (typeof value !== 'string') return 'invalid';
  return identityFromField(field, value) ?? 'invalid';
}

/** EUID only, and only when the key is present (even as null): `invalid`, `insufficient` or `ok`. */
function checkConsent(
  state: OperatorState,
  payload: Record<string, unknown>,
): 'ok' | 'invalid' | 'insufficient' {
  if (state.scope !== 'euid' || !Object.hasOwn(payload, 'tcf_consent_string')) return 'ok';
  const raw = payload.tcf_consent_string;
  if (typeof raw !== 'string' || raw.length === 0) return 'invalid';
  const consent = parseTcfConsent(raw);
  if (consent === null) return 'invalid';
  return hasEuidConsent(consent) ? 'ok' : 'insufficient';
}

/**
 * Answers a generate request whose API key already passed. `body` is the raw request body.
 *
 * @example
 * ```ts
 * const reply = handleGenerate(state, client, body, isBinaryRequest(req));
 * ```
 */
export function handleGenerate(
  state: OperatorState,
  client: RegisteredClient,
  body: Buffer,
  binary: boolean,
): Reply {
  const now = state.now();
  const envelope = parseRequestEnvelope(body, binary, client.secret, now, state.scope);
  if (!envelope.ok) return clientError(envelope.message);
  const identity = readIdentity(envelope.payload);
  if (identity === 'missing') return clientError(MISSING);
  if (identity === 'invalid') return clientError('Invalid Identifier');
  const payload = envelope.payload ?? {};
  const consent = checkConsent(state, payload);
  if (consent === 'invalid') return clientError('User consent is invalid');
  const seal = (json: string) =>
    sealedReply({
      endpoint: 'generate',
      json,
      key: client.secret,
      nonce: envelope.nonce,
      timestamp: now,
      binary: envelope.binary,
    });
  if (consent === 'insufficient') return seal('{"status":"insufficient_user_consent"}');
  const firstLevelHash = state.optOuts.firstLevelHash(identity);
  if (state.optOuts.isOptedOut(identity.type, firstLevelHash, false)) return seal('{"status":"optout"}');
  const body200 = state.issueIdentity({
    type: identity.type,
    firstLevelHash,
    siteId: client.siteId,
    establishedAt: now,
    now,
  });
  return seal(JSON.stringify({ body: body200, status: 'success' }));
}
