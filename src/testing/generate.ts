/**
 * POST /v2/token/generate after authentication: the envelope (§2.2), the input rules (§4.2), EUID
 * consent, test identities and opt-out (§9), then a new identity sealed under the client secret (§3.1).
 */
import type { RegisteredClient } from './auth.js';
import { clientError, type Reply } from './http.js';
import { openSecretRequest } from './secret-request.js';
import type { OperatorState } from './state.js';
import { hasEuidConsent, parseTcfConsent } from './tcf.js';

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
  const request = openSecretRequest(state, client, body, binary, 'generate');
  if (!request.ok) return request.reply;
  const { now, payload, identity, seal } = request;
  const consent = checkConsent(state, payload);
  if (consent === 'invalid') return clientError('User consent is invalid');
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
