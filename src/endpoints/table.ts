/**
 * The operator endpoints this library speaks, declared once. The client, the transport's diagnostics
 * and the local operator's routes all read this table, so an endpoint is never guessed from a path.
 */

/**
 * How a request is sealed and its answer opened.
 * - `secret`: a v2 request envelope under the client secret; the 200 answer is `ts || nonce || JSON`
 *   under the same secret (PROTOCOL.md §2, §3.1).
 * - `refresh-token`: the refresh token itself is the body; the 200 answer is JSON under the identity's
 *   `refresh_response_key` (PROTOCOL.md §3.2).
 *
 * @example
 * ```ts
 * const kind: EnvelopeKind = ENDPOINTS.validate.envelope; // 'secret'
 * ```
 */
export type EnvelopeKind = 'secret' | 'refresh-token';

/**
 * One operator endpoint.
 *
 * @example
 * ```ts
 * const spec: EndpointSpec = ENDPOINTS.refresh;
 * console.log(spec.path, spec.skewRetry); // '/v2/token/refresh' false
 * ```
 */
export interface EndpointSpec {
  /** Path below the base URL. */
  readonly path: string;
  /** Short name used in diagnostics events and statistics. */
  readonly label: EndpointLabel;
  /** How the request is sealed and the answer opened. */
  readonly envelope: EnvelopeKind;
  /**
   * Whether a 400 "Invalid timestamp" is retried once with the clock learned from the `Date` header.
   * Only requests that carry a timestamp can be refused for it.
   */
  readonly skewRetry: boolean;
}

/**
 * The label of an operator endpoint, as published in diagnostics events.
 *
 * @example
 * ```ts
 * const label: EndpointLabel = 'validate';
 * ```
 */
export type EndpointLabel = 'generate' | 'refresh' | 'validate';

/**
 * Every endpoint, by label. Adding an endpoint: a row here, a file beside this one, a handler in the
 * local operator.
 *
 * @example
 * ```ts
 * ENDPOINTS.generate.path; // '/v2/token/generate'
 * ```
 */
export const ENDPOINTS: Readonly<Record<EndpointLabel, EndpointSpec>> = Object.freeze({
  generate: Object.freeze({
    path: '/v2/token/generate',
    label: 'generate',
    envelope: 'secret',
    skewRetry: true,
  }),
  refresh: Object.freeze({
    path: '/v2/token/refresh',
    label: 'refresh',
    envelope: 'refresh-token',
    skewRetry: false,
  }),
  validate: Object.freeze({
    path: '/v2/token/validate',
    label: 'validate',
    envelope: 'secret',
    skewRetry: true,
  }),
});

/**
 * The labels in a fixed order, for loops and route tables.
 *
 * @example
 * ```ts
 * for (const label of ENDPOINT_LABELS) console.log(ENDPOINTS[label].path);
 * ```
 */
export const ENDPOINT_LABELS: readonly EndpointLabel[] = Object.freeze(['generate', 'refresh', 'validate']);
