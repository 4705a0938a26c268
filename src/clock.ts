/**
 * The client's view of the operator's clock: the local clock plus a learned offset.
 *
 * The offset is learned only from what can be trusted or what the operator itself says about time:
 * - the timestamp inside a decrypted answer (authenticated under the client secret), and
 * - the `Date` header of a 400 "Invalid timestamp" refusal, the one case where the operator says the
 *   local clock is wrong (an unauthenticated header, so it is used only to retry that one request).
 * Never from the `Date` of any other answer: one proxy's 503 with `Date: 2100-01-01` must not move it.
 * The offset is bounded by {@link MAX_CLOCK_OFFSET_MS}, and local "already expired" judgements use the
 * earlier of the local and the corrected clock, so no single answer can make a valid identity look
 * expired.
 */
import { MAX_CLOCK_OFFSET_MS } from './config.js';
import { Uid2Error } from './errors.js';

/** The `Date` header has 1 s resolution: an offset smaller than this cannot be seen in it. */
const DATE_HEADER_MIN_SKEW_MS = 2_000;

/** When a request left and its answer's headers arrived, local epoch ms. */
export interface ExchangeTimes {
  sentAt: number;
  receivedAt: number;
}

/** The local clock and the learned offset to the operator's. */
export class OperatorClock {
  readonly #local: () => number;
  #offsetMs = 0;

  constructor(local: () => number) {
    this.#local = local;
  }

  /** The local clock, checked: a clock that returns no finite time is a configuration error. */
  local(): number {
    const value = this.#local();
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Uid2Error('UID2_INVALID_CONFIG', 'now() must return epoch milliseconds as a finite number');
    }
    return value;
  }

  /** The learned offset, ms (positive: the operator is ahead). */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** The operator's clock as best known: local plus offset. */
  corrected(): number {
    return this.local() + this.#offsetMs;
  }

  /**
   * The earlier of the local and the corrected clock: what "already expired" is judged by locally, so
   * that neither a wrong local clock nor a wrong offset alone can expire an identity.
   */
  conservative(): number {
    const local = this.local();
    return Math.min(local, local + this.#offsetMs);
  }

  /**
   * Learns from an authenticated answer's timestamp (taken at the midpoint of the exchange). An answer
   * more than the bound away from the local clock is refused as `UID2_RESPONSE_INVALID`.
   */
  learnFromAnswer(timestamp: number, times: ExchangeTimes): void {
    const seen = timestamp - (times.sentAt + times.receivedAt) / 2;
    if (!(Math.abs(seen) <= MAX_CLOCK_OFFSET_MS)) {
      throw new Uid2Error(
        'UID2_RESPONSE_INVALID',
        `the answer's timestamp is more than ${MAX_CLOCK_OFFSET_MS / 60_000} minutes from the local clock (fix the clock or the operator URL)`,
      );
    }
    this.#offsetMs = Math.round(seen);
  }

  /**
   * Learns from the `Date` header of a timestamp refusal. True when it shows an offset large enough to
   * see and within the bound (the request is then worth one retry); false otherwise.
   */
  learnFromRefusal(dateMs: number | undefined, times: ExchangeTimes): boolean {
    if (dateMs === undefined) return false;
    const local = (times.sentAt + times.receivedAt) / 2;
    // The header truncates to the second: its midpoint is half a second later.
    const seen = dateMs + 500 - local;
    if (Math.abs(seen - this.#offsetMs) < DATE_HEADER_MIN_SKEW_MS) return false;
    if (!(Math.abs(seen) <= MAX_CLOCK_OFFSET_MS)) return false;
    this.#offsetMs = Math.round(seen);
    return true;
  }
}
