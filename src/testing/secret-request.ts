/**
 * The part of `/v2/token/generate` and `/v2/token/validate` that is the same on the operator: the
 * request envelope under the client secret (§2.2, text or binary), exactly one identifier normalised
 * by the input rules (§4.2, §6), and a 200 sealed with the request's nonce (§3.1). One code path, so the
 * two endpoints cannot drift apart in their messages.
 */
import type { EndpointLabel } from '../endpoints/table.js';
import type { RegisteredClient } from './auth.js';
import { clientError, type Reply, sealedReply } from './http.js';
import { type IdentityField, type IdentityHash, identityFromField } from './identities.js';
import { parseRequestEnvelope } from './request-envelope.js';
import type { OperatorState } from './state.js';

const FIELDS: readonly IdentityField[] = ['email', 'email_hash', 'phone', 'phone_hash'];

/**
 * The operator's message for none or several identifiers.
 *
 * @example
 * ```ts
 * clientError(MISSING_IDENTIFIER); // 400 client_error
 * ```
 */
export const MISSING_IDENTIFIER =
  'Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified';

/**
 * An opened request: its JSON, its identity, the operator time it was read at, and how to seal the
 * answer. Or the 400 to send instead.
 *
 * @example
 * ```ts
 * const request = openSecretRequest(state, client, body, binary, 'validate');
 * if (!request.ok) return request.reply;
 * return request.seal('{"body":true,"status":"success"}');
 * ```
 */
export type SecretRequest =
  | {
      ok: true;
      now: number;
      payload: Record<string, unknown>;
      identity: IdentityHash;
      seal: (json: string) => Reply;
    }
  | { ok: false; reply: Reply };

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

/**
 * Opens a request sealed under the client secret whose API key already passed.
 *
 * @example
 * ```ts
 * const request = openSecretRequest(state, client, body, isBinaryRequest(req), 'generate');
 * ```
 */
export function openSecretRequest(
  state: OperatorState,
  client: RegisteredClient,
  body: Buffer,
  binary: boolean,
  endpoint: EndpointLabel,
): SecretRequest {
  const now = state.now();
  const envelope = parseRequestEnvelope(body, binary, client.secret, now, state.scope);
  if (!envelope.ok) return { ok: false, reply: clientError(envelope.message) };
  const identity = readIdentity(envelope.payload);
  if (identity === 'missing') return { ok: false, reply: clientError(MISSING_IDENTIFIER) };
  if (identity === 'invalid') return { ok: false, reply: clientError('Invalid Identifier') };
  const seal = (json: string) =>
    sealedReply({
      endpoint,
      json,
      key: client.secret,
      nonce: envelope.nonce,
      timestamp: now,
      binary: envelope.binary,
    });
  return { ok: true, now, payload: envelope.payload ?? {}, identity, seal };
}
