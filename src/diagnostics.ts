/**
 * Observability without secrets: `node:diagnostics_channel` events for every HTTP attempt.
 * Publishing costs nothing while nobody subscribes. Payloads hold names, numbers and codes only.
 */
import { channel } from 'node:diagnostics_channel';
import type { EndpointLabel } from './endpoints/table.js';
import type { Uid2ErrorCode } from './errors.js';

/**
 * The endpoint an event is about: a label of `ENDPOINTS`, or `healthcheck` for warm-up requests.
 *
 * @example
 * ```ts
 * const endpoint: RequestEndpoint = 'generate';
 * ```
 */
export type RequestEndpoint = EndpointLabel | 'healthcheck';

/**
 * Names of the channels this library publishes on.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 *
 * subscribe(DIAGNOSTICS_CHANNELS.requestStart, (event) => log.debug(event));
 * ```
 */
export const DIAGNOSTICS_CHANNELS = Object.freeze({
  requestStart: 'uid2-publisher:request:start',
  requestEnd: 'uid2-publisher:request:end',
  storeError: 'uid2-publisher:store:error',
});

/**
 * Published on `uid2-publisher:request:start` before each HTTP attempt.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 *
 * subscribe(DIAGNOSTICS_CHANNELS.requestStart, (message) => {
 *   const { endpoint, attempt } = message as RequestStartEvent;
 *   if (attempt > 1) metrics.increment('uid2.retry', { endpoint });
 * });
 * ```
 */
export interface RequestStartEvent {
  /** `generate`, `refresh`, `validate` or `healthcheck`. */
  endpoint: RequestEndpoint;
  /** 1 for the first attempt of a call, 2 for its first retry, ... */
  attempt: number;
}

/**
 * Published on `uid2-publisher:request:end` after each HTTP attempt.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * import { DIAGNOSTICS_CHANNELS, type RequestEndEvent } from 'uid2-publisher';
 *
 * subscribe(DIAGNOSTICS_CHANNELS.requestEnd, (message) => {
 *   const event = message as RequestEndEvent;
 *   metrics.histogram('uid2.request.ms', event.durationMs, { endpoint: event.endpoint, code: event.errorCode ?? String(event.httpStatus) });
 * });
 * ```
 */
export interface RequestEndEvent extends RequestStartEvent {
  /** The HTTP status, when an answer arrived. */
  httpStatus?: number;
  /** The error code, when the attempt failed below HTTP (network, timeout, abort, too large). */
  errorCode?: Uid2ErrorCode;
  /** Duration of the attempt, ms. */
  durationMs: number;
  /** The client's learned offset to the operator's clock, ms. */
  clockOffsetMs: number;
}

const startChannel = channel(DIAGNOSTICS_CHANNELS.requestStart);
const endChannel = channel(DIAGNOSTICS_CHANNELS.requestEnd);

/** Publishes a start event if anyone listens. */
export function publishStart(event: RequestStartEvent): void {
  if (startChannel.hasSubscribers) startChannel.publish(event);
}

/** Publishes an end event if anyone listens; the payload is built only then. */
export function publishEnd(build: () => RequestEndEvent): void {
  if (endChannel.hasSubscribers) endChannel.publish(build());
}

/**
 * Published on `uid2-publisher:store:error` when the opt-out store fails or is too slow. The call went
 * on to the operator (which enforces opt-out itself); this event is how you learn the store is down.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * import { DIAGNOSTICS_CHANNELS, type StoreErrorEvent } from 'uid2-publisher';
 *
 * subscribe(DIAGNOSTICS_CHANNELS.storeError, (message) => {
 *   const event = message as StoreErrorEvent;
 *   log.error('uid2 opt-out store', { operation: event.operation, reason: event.reason });
 * });
 * ```
 */
export interface StoreErrorEvent {
  /** Which store: the opt-out store is the only one today. */
  store: 'optOuts';
  /** The store method that failed. */
  operation: 'has' | 'add';
  /** `timeout` (slower than `optOutTimeoutMs`) or `error` (it threw or rejected). */
  reason: 'timeout' | 'error';
  /** The error's name and code, when it threw (never its message, which may hold data). */
  errorName?: string;
  /** How long the store took before it was given up on, ms. */
  durationMs: number;
}

const storeChannel = channel(DIAGNOSTICS_CHANNELS.storeError);

/** Publishes a store failure if anyone listens. */
export function publishStoreError(event: StoreErrorEvent): void {
  if (storeChannel.hasSubscribers) storeChannel.publish(event);
}
