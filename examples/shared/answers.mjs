// @ts-check
/**
 * The HTTP answer the app gets for every outcome of a UID2 call and for every `Uid2Error` code, in one
 * place. Every example's routes end in `answerFor(...)`; examples/express/README.md shows the same
 * mapping as a table (a test keeps the two equal).
 *
 * The rules behind it:
 * - Documented UID2 outcomes are not errors: `success`/`current` give the identity JSON, `optout` and
 *   `insufficient_user_consent` give 200 with a body the app branches on (the sign-in itself worked).
 * - An identity the operator refuses, that expired, or that is not one means "sign in again": 401.
 * - The app's own mistakes are 400; our configuration or clock is 500 (the app cannot fix it, and
 *   retrying will not help); an operator that answers garbage is 502; one that is down, overloaded or
 *   slow is 503 with `Retry-After`, so the app (or the load balancer) tries again later.
 * - The body names a fixed word, never the operator's message: it may say more than the app needs.
 */
import { isUid2Error } from 'uid2-publisher';

/**
 * @typedef {object} HttpAnswer
 * @property {number} status
 * @property {string} body JSON text
 * @property {number} [retryAfterSeconds] sent as `Retry-After` with a transient failure
 */

/**
 * Status, error word and `Retry-After` seconds (transient failures only) per error code. Typed by the
 * code union: a code added to the library and not classed here fails the type-check.
 * @type {Readonly<Record<import('uid2-publisher').Uid2ErrorCode, readonly [number, string, number?]>>}
 */
export const ERROR_ANSWERS = Object.freeze({
  UID2_INVALID_INPUT: [400, 'invalid_input'],
  UID2_INVALID_IDENTITY: [401, 'sign_in_again'],
  UID2_INVALID_CONFIG: [500, 'server_misconfigured'],
  UID2_UNAUTHORIZED: [500, 'server_misconfigured'],
  UID2_BAD_CLIENT_SECRET: [500, 'server_misconfigured'],
  UID2_CLOCK_SKEW: [500, 'server_misconfigured'],
  UID2_BAD_REQUEST: [500, 'server_misconfigured'],
  UID2_RATE_LIMITED: [503, 'try_again_later', 30],
  UID2_SERVER_ERROR: [503, 'try_again_later', 5],
  UID2_NETWORK: [503, 'try_again_later', 5],
  UID2_TIMEOUT: [503, 'try_again_later', 5],
  UID2_CLIENT_CLOSED: [503, 'try_again_later', 1],
  UID2_ABORTED: [503, 'try_again_later', 1],
  UID2_RESPONSE_TOO_LARGE: [502, 'bad_operator_answer'],
  UID2_DECRYPT_FAILED: [502, 'bad_operator_answer'],
  UID2_NONCE_MISMATCH: [502, 'bad_operator_answer'],
  UID2_RESPONSE_INVALID: [502, 'bad_operator_answer'],
});

/**
 * Status and body per result status of generate, refresh and refreshIfDue (the identity JSON itself
 * for `success` and `current`).
 * @type {Readonly<Record<'success' | 'current' | 'optout' | 'insufficient_user_consent' | 'expired_token' | 'invalid_token', readonly [number, string]>>}
 */
export const OUTCOME_ANSWERS = Object.freeze({
  success: [200, '<identity JSON>'],
  current: [200, '<identity JSON>'],
  optout: [200, '{"optout":true}'],
  insufficient_user_consent: [200, '{"consent":false}'],
  expired_token: [401, '{"error":"sign_in_again"}'],
  invalid_token: [401, '{"error":"sign_in_again"}'],
});

/** @param {number} status @param {string} body @param {number} [retryAfterSeconds] @returns {HttpAnswer} */
const answer = (status, body, retryAfterSeconds) =>
  retryAfterSeconds === undefined ? { status, body } : { status, body, retryAfterSeconds };

const INTERNAL = Object.freeze(answer(500, '{"error":"internal"}'));

/** Request mistakes a framework catches before any UID2 call: the same answers in every example. */
export const REQUEST_ANSWERS = Object.freeze({
  invalidJson: Object.freeze(answer(400, '{"error":"invalid_json"}')),
  jsonRequired: Object.freeze(answer(415, '{"error":"json_required"}')),
  tooLarge: Object.freeze(answer(413, '{"error":"too_large"}')),
  notFound: Object.freeze(answer(404, '{"error":"not_found"}')),
});

/**
 * The answer for a result of `generateToken`, `refreshToken` or `refreshIfDue`, or for a thrown value.
 * Anything that is neither (a bug) is a 500 with no detail.
 *
 * @param {unknown} outcome
 * @returns {HttpAnswer}
 */
export function answerFor(outcome) {
  if (isUid2Error(outcome)) {
    const [status, error, retryAfterSeconds] = ERROR_ANSWERS[outcome.code] ?? [500, 'internal'];
    return answer(status, JSON.stringify({ error }), retryAfterSeconds);
  }
  const result = /** @type {{ status?: unknown, identityJson?: unknown } | null | undefined} */ (outcome);
  if (outcome instanceof Error || typeof result?.status !== 'string') return INTERNAL;
  if (result.status === 'success' || result.status === 'current') {
    return typeof result.identityJson === 'string' ? answer(200, result.identityJson) : INTERNAL;
  }
  if (!Object.hasOwn(OUTCOME_ANSWERS, result.status)) return INTERNAL;
  const [status, body] = OUTCOME_ANSWERS[/** @type {keyof typeof OUTCOME_ANSWERS} */ (result.status)];
  return answer(status, body);
}
