/**
 * Injected faults: what a real deployment (load balancer, network, a broken operator) can do to a
 * client. Faults wait in a queue; each request to a token endpoint (generate, refresh, validate) takes the first one aimed at its
 * endpoint (after being counted in the statistics), and each fault lasts `count` requests.
 */
import { randomBytes } from 'node:crypto';
import { ENDPOINT_LABELS, ENDPOINTS, type EndpointLabel } from '../endpoints/table.js';
import { sealGenerateResponse, sealRefreshResponse } from '../envelope.js';
import { Uid2Error } from '../errors.js';
import { encodedReply, jsonReply, type Reply, textReply } from './http.js';

/**
 * Which requests a fault applies to.
 *
 * @example
 * ```ts
 * op.injectFault({ kind: 'http500', endpoint: 'refresh' satisfies FaultEndpoint });
 * ```
 */
export type FaultEndpoint = EndpointLabel | 'any';

/**
 * Fields every fault has.
 *
 * @example
 * ```ts
 * const target: FaultTarget = { endpoint: 'generate', count: 3 };
 * ```
 */
export interface FaultTarget {
  /** Default `any`. */
  endpoint?: FaultEndpoint;
  /** How many requests the fault lasts. Default 1, or until cleared when `rate` is given. */
  count?: number;
  /**
   * Probability (0 < rate <= 1) that each matching request gets the fault, independently, instead of
   * the next `count` requests: for load tests ("about 1% 503s"). Such a fault stays until cleared.
   */
  rate?: number;
}

/**
 * One fault. Kinds:
 * - `delay` (`ms`): wait before answering normally;
 * - `stall` (`ms` optional): send the headers and half the body, then stall for `ms` before sending the
 *   rest, or until the client gives up;
 * - `http500`: the operator's `{"message":"Unknown error while generating token v2","status":"unknown"}`
 *   (`…refreshing token v2` on refresh, `…validating token v2` on validate);
 * - `http502`, `http503`: a load balancer's HTML page; `http429` (`retryAfterSeconds`, default 1);
 * - `reset`: the socket is destroyed instead of answering;
 * - `truncated`: Content-Length of the full answer, half of it sent, then the connection closed;
 * - `notBase64`, `oversized` (`bytes`, default 2 MiB), `empty`: odd 200 bodies;
 * - `wrongKey`, `wrongNonce`, `plainJson`: the real 200 answer sealed under a random key, with a random
 *   nonce (on refresh: with a generate-style ts||nonce prefix), or sent as unencrypted JSON. These three
 *   only change encrypted 200 answers; other answers pass unchanged.
 *
 * @example
 * ```ts
 * op.injectFault({ kind: 'http503', endpoint: 'generate', count: 2 });
 * op.injectFault({ kind: 'stall', ms: 5_000 });
 * ```
 */
export type FaultSpec = FaultTarget &
  (
    | { kind: 'delay'; ms: number }
    | { kind: 'stall'; ms?: number }
    | { kind: 'http429'; retryAfterSeconds?: number }
    | { kind: 'oversized'; bytes?: number }
    | {
        kind:
          | 'http500'
          | 'http502'
          | 'http503'
          | 'reset'
          | 'truncated'
          | 'notBase64'
          | 'wrongKey'
          | 'wrongNonce'
          | 'plainJson'
          | 'empty';
      }
  );

/**
 * Every fault kind, for validation and documentation.
 *
 * @example
 * ```ts
 * for (const kind of FAULT_KINDS) console.log(kind); // 'delay', 'stall', ...
 * ```
 */
export const FAULT_KINDS: readonly FaultSpec['kind'][] = Object.freeze([
  'delay',
  'stall',
  'http500',
  'http502',
  'http503',
  'http429',
  'reset',
  'truncated',
  'notBase64',
  'wrongKey',
  'wrongNonce',
  'oversized',
  'plainJson',
  'empty',
]);

const FAULT_ENDPOINTS: readonly FaultEndpoint[] = [...ENDPOINT_LABELS, 'any'];

/** The operator's 500 message of each endpoint (UIDOperatorVerticle's catch blocks). */
const UNKNOWN_ERROR_VERB: Readonly<Record<EndpointLabel, string>> = {
  generate: 'generating',
  refresh: 'refreshing',
  validate: 'validating',
};

function nonNegativeInt(value: unknown, what: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < 0)) {
    throw new Uid2Error('UID2_INVALID_INPUT', `${what} must be a non-negative integer`);
  }
}

/**
 * Checks a fault that came from code or from the control route; returns a normalised copy.
 *
 * @example
 * ```ts
 * validateFault({ kind: 'http429', retryAfterSeconds: 5 }); // ok; { kind: 'explode' } throws
 * ```
 */
export function validateFault(input: unknown): FaultSpec {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new Uid2Error('UID2_INVALID_INPUT', 'a fault must be an object with a kind');
  }
  const spec = input as Record<string, unknown>;
  if (!FAULT_KINDS.includes(spec.kind as FaultSpec['kind'])) {
    throw new Uid2Error('UID2_INVALID_INPUT', `fault kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  if (spec.endpoint !== undefined && !FAULT_ENDPOINTS.includes(spec.endpoint as FaultEndpoint)) {
    throw new Uid2Error('UID2_INVALID_INPUT', `fault endpoint must be one of ${FAULT_ENDPOINTS.join(', ')}`);
  }
  nonNegativeInt(spec.count, 'fault count');
  nonNegativeInt(spec.ms, 'fault ms');
  nonNegativeInt(spec.retryAfterSeconds, 'fault retryAfterSeconds');
  nonNegativeInt(spec.bytes, 'fault bytes');
  if (spec.rate !== undefined && !(typeof spec.rate === 'number' && spec.rate > 0 && spec.rate <= 1)) {
    throw new Uid2Error('UID2_INVALID_INPUT', 'fault rate must be a number above 0 and at most 1');
  }
  if (spec.kind === 'delay' && spec.ms === undefined) {
    throw new Uid2Error('UID2_INVALID_INPUT', 'a delay fault needs ms');
  }
  return { ...spec } as unknown as FaultSpec;
}

/**
 * The queue of pending faults.
 *
 * @example
 * ```ts
 * const queue = new FaultQueue();
 * queue.add({ kind: 'http503', count: 2 });
 * queue.take('generate')?.kind; // 'http503'
 * ```
 */
export class FaultQueue {
  readonly #pending: { spec: FaultSpec; remaining: number }[] = [];

  add(spec: FaultSpec): void {
    const checked = validateFault(spec);
    const remaining = checked.count ?? (checked.rate === undefined ? 1 : Number.POSITIVE_INFINITY);
    if (remaining > 0) this.#pending.push({ spec: checked, remaining });
  }

  /**
   * Takes one use of the first fault aimed at `endpoint`, if any. A fault with a `rate` applies to
   * this request only with that probability; otherwise the next fault in the queue is considered.
   */
  take(endpoint: EndpointLabel): FaultSpec | undefined {
    const index = this.#pending.findIndex(
      (f) =>
        ((f.spec.endpoint ?? 'any') === 'any' || f.spec.endpoint === endpoint) &&
        (f.spec.rate === undefined || Math.random() < f.spec.rate),
    );
    const entry = this.#pending[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.#pending.splice(index, 1);
    return entry.spec;
  }

  /** Pending faults with their remaining uses. */
  list(): (FaultSpec & { remaining: number })[] {
    return this.#pending.map((f) => ({ ...f.spec, remaining: f.remaining }));
  }

  clear(): void {
    this.#pending.length = 0;
  }
}

function lbPage(status: number, reason: string): Reply {
  const html = `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n</body>\r\n</html>\r\n`;
  return textReply(status, html, 'text/html');
}

/**
 * The answer of a fault that replaces the operator's answer, or undefined for the other kinds.
 *
 * @example
 * ```ts
 * replacementReply({ kind: 'http503' }, 'generate')?.status; // 503
 * ```
 */
export function replacementReply(spec: FaultSpec, endpoint: EndpointLabel): Reply | undefined {
  switch (spec.kind) {
    case 'http500': {
      const message = `Unknown error while ${UNKNOWN_ERROR_VERB[endpoint]} token v2`;
      return jsonReply(500, { message, status: 'unknown' });
    }
    case 'http502':
      return lbPage(502, 'Bad Gateway');
    case 'http503':
      return lbPage(503, 'Service Temporarily Unavailable');
    case 'http429': {
      const reply = textReply(429, 'Too Many Requests', 'text/plain');
      reply.headers['Retry-After'] = String(spec.retryAfterSeconds ?? 1);
      return reply;
    }
    case 'notBase64':
      return textReply(200, 'this is not base64!', 'text/plain');
    case 'oversized':
      return textReply(200, 'A'.repeat(spec.bytes ?? 2 * 1024 * 1024), 'text/plain');
    case 'empty':
      return textReply(200, '', 'text/plain');
    default:
      return undefined;
  }
}

/**
 * `wrongKey`, `wrongNonce` and `plainJson` applied to an encrypted 200; other answers pass.
 *
 * @example
 * ```ts
 * const broken = transformReply({ kind: 'wrongKey' }, reply); // same JSON, random key
 * ```
 */
export function transformReply(spec: FaultSpec, reply: Reply): Reply {
  const sealed = reply.sealed;
  if (sealed === undefined) return reply;
  switch (spec.kind) {
    case 'plainJson':
      return { status: 200, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(sealed.json) };
    case 'wrongKey': {
      const key = randomBytes(32);
      const bytes =
        ENDPOINTS[sealed.endpoint].envelope === 'secret'
          ? sealGenerateResponse(key, sealed.timestamp ?? 0, sealed.nonce ?? randomBytes(8), sealed.json)
          : sealRefreshResponse(key, sealed.json);
      return encodedReply(bytes, sealed.binary);
    }
    case 'wrongNonce':
      return encodedReply(
        sealGenerateResponse(sealed.key, sealed.timestamp ?? Date.now(), randomBytes(8), sealed.json),
        sealed.binary,
      );
    default:
      return reply;
  }
}
