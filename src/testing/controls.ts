/**
 * The `/_local/*` HTTP control API: the same controls as the handle's methods, for tests written in
 * another language or a mobile app's developer menu. Everything is JSON; errors are the operator's
 * `{"message":…,"status":"client_error"}`. Nothing it returns contains a key, secret or token.
 */
import { isUid2Error } from '../errors.js';
import type { FaultSpec } from './faults.js';
import { clientError, jsonReply, notFound, type Reply, textReply } from './http.js';
import type { Identifier } from './identities.js';
import type { Lifetimes } from './options.js';
import type { OperatorStats } from './stats.js';

/**
 * Path prefix of the control API.
 *
 * @example
 * ```ts
 * await fetch(`${op.url}${CONTROL_PREFIX}stats`); // GET /_local/stats
 * ```
 */
export const CONTROL_PREFIX = '/_local/';

/**
 * What the control routes need from an operator: exactly the handle's test controls, nothing of its
 * server. `LocalOperator` implements it; depending on this interface instead of the class keeps the
 * controls out of an import circle with the operator and lets them be tested against a stub.
 *
 * @example
 * ```ts
 * const controls: OperatorControls = await startLocalOperator();
 * handleControl(controls, 'GET', 'stats', Buffer.alloc(0));
 * ```
 */
export interface OperatorControls {
  describe(): Record<string, unknown>;
  stats(): OperatorStats;
  resetStats(): void;
  injectFault(fault: FaultSpec | readonly FaultSpec[]): void;
  pendingFaults(): (FaultSpec & { remaining: number })[];
  clearFaults(): void;
  readonly clockOffsetMs: number;
  now(): number;
  setClockOffset(offsetMs: number): void;
  advanceClock(ms: number): void;
  optOut(identifier: Identifier): void;
  clearOptOuts(): void;
  rotateRefreshKey(options: { keepOld?: boolean }): { refreshKeyId: number; refreshKeyIds: number[] };
  setLifetimes(lifetimes: Partial<Lifetimes>): Lifetimes;
}

type Route = { method: 'GET' | 'POST'; run: (op: OperatorControls, body: unknown) => unknown };

function object(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new TypeError('the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function integer(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value)) throw new TypeError(`${what} must be an integer`);
  return value as number;
}

const ROUTES: Record<string, Route> = {
  state: { method: 'GET', run: (op) => op.describe() },
  stats: { method: 'GET', run: (op) => op.stats() },
  'stats/reset': {
    method: 'POST',
    run: (op) => {
      op.resetStats();
      return op.stats();
    },
  },
  faults: {
    method: 'POST',
    run: (op, body) => {
      const specs = Array.isArray(body) ? body : [body];
      for (const spec of specs) op.injectFault(spec as never);
      return { pending: op.pendingFaults() };
    },
  },
  'faults/clear': {
    method: 'POST',
    run: (op) => {
      op.clearFaults();
      return { pending: [] };
    },
  },
  clock: {
    method: 'POST',
    run: (op, body) => {
      const { offsetMs, advanceMs } = object(body);
      if (offsetMs !== undefined) op.setClockOffset(integer(offsetMs, 'offsetMs'));
      if (advanceMs !== undefined) op.advanceClock(integer(advanceMs, 'advanceMs'));
      return { clockOffsetMs: op.clockOffsetMs, now: op.now() };
    },
  },
  optout: {
    method: 'POST',
    run: (op, body) => {
      op.optOut(object(body) as never);
      return { optedOut: true };
    },
  },
  'optout/clear': {
    method: 'POST',
    run: (op) => {
      op.clearOptOuts();
      return { optedOut: false };
    },
  },
  'refresh-key/rotate': {
    method: 'POST',
    run: (op, body) => {
      const { keepOld } = object(body);
      if (keepOld !== undefined && typeof keepOld !== 'boolean')
        throw new TypeError('keepOld must be a boolean');
      return op.rotateRefreshKey({ keepOld: keepOld === true });
    },
  },
  lifetimes: {
    method: 'POST',
    run: (op, body) => ({ lifetimes: op.setLifetimes(object(body)) }),
  },
};

/**
 * Answers one control request. `path` has the prefix removed; `body` is the raw body.
 *
 * @example
 * ```ts
 * handleControl(op, 'POST', 'clock', Buffer.from('{"advanceMs":60000}'));
 * ```
 */
export function handleControl(op: OperatorControls, method: string, path: string, body: Buffer): Reply {
  const route = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
  if (route === undefined) return notFound();
  if (method !== route.method) return textReply(405, '');
  let parsed: unknown;
  if (body.length > 0) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return clientError('the request body is not valid JSON');
    }
  }
  try {
    return jsonReply(200, route.run(op, parsed));
  } catch (err) {
    if (isUid2Error(err) || err instanceof TypeError) return clientError(err.message);
    throw err;
  }
}
