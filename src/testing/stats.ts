/**
 * Request statistics of the local operator. They hold counts and client version strings only: never
 * an API key, secret, body or token, so they are safe to print in test output.
 */
import { ENDPOINT_LABELS, type EndpointLabel } from '../endpoints/table.js';

/**
 * The endpoints statistics are kept for. `other` is every unknown path or method.
 *
 * @example
 * ```ts
 * op.stats().byEndpoint['refresh' satisfies StatsEndpoint];
 * ```
 */
export type StatsEndpoint = EndpointLabel | 'healthcheck' | 'other';

/**
 * A snapshot of the statistics.
 *
 * @example
 * ```ts
 * const { byEndpoint, byStatus, byClientVersion } = op.stats();
 * expect(byEndpoint.generate).toBe(3);
 * expect(byStatus['200']).toBe(2);
 * expect(byClientVersion['java-uid2-client-4.9.0']).toBe(1);
 * ```
 */
export interface OperatorStats {
  /** Requests counted (control routes excluded). */
  total: number;
  byEndpoint: Record<StatsEndpoint, number>;
  /** By HTTP status sent, as a string (`"200"`); a `reset` fault counts as `"reset"`. */
  byStatus: Record<string, number>;
  /**
   * By `X-UID2-Client-Version` header, or the `client` query parameter when the header is absent;
   * `(none)` when neither was sent. At most 100 distinct values are kept, then `(other)`.
   */
  byClientVersion: Record<string, number>;
}

const MAX_VERSIONS = 100;
const MAX_VERSION_LENGTH = 100;

function increment(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/**
 * Collects {@link OperatorStats}.
 *
 * @example
 * ```ts
 * const stats = new RequestStats();
 * stats.countRequest('generate', 'java-uid2-client-4.9.0');
 * stats.countStatus(200);
 * ```
 */
export class RequestStats {
  #stats: OperatorStats = RequestStats.#empty();

  static #empty(): OperatorStats {
    const endpoints: readonly StatsEndpoint[] = [...ENDPOINT_LABELS, 'healthcheck', 'other'];
    const byEndpoint = Object.fromEntries(endpoints.map((name) => [name, 0])) as Record<
      StatsEndpoint,
      number
    >;
    return {
      total: 0,
      byEndpoint,
      byStatus: {},
      byClientVersion: {},
    };
  }

  /** Counts a request as it arrives. `clientVersion` is undefined when none was sent. */
  countRequest(endpoint: StatsEndpoint, clientVersion: string | undefined): void {
    this.#stats.total += 1;
    this.#stats.byEndpoint[endpoint] += 1;
    let key = clientVersion === undefined ? '(none)' : clientVersion.slice(0, MAX_VERSION_LENGTH);
    const known = Object.hasOwn(this.#stats.byClientVersion, key);
    if (!known && Object.keys(this.#stats.byClientVersion).length >= MAX_VERSIONS) key = '(other)';
    increment(this.#stats.byClientVersion, key);
  }

  /** Counts the status that was sent (or `reset`). */
  countStatus(status: number | 'reset'): void {
    increment(this.#stats.byStatus, String(status));
  }

  /** A deep copy, so callers cannot change the counters. */
  snapshot(): OperatorStats {
    return structuredClone(this.#stats);
  }

  reset(): void {
    this.#stats = RequestStats.#empty();
  }
}
