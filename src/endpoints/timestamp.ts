/**
 * The timestamp inside a decrypted answer (generate, validate): authenticated, so it is what the
 * client learns its clock offset from; but an operator bug or a hostile operator could still write
 * any int64 there, so absurd values are refused before anyone computes with them.
 */
import { Uid2Error } from '../errors.js';

/** Earliest plausible operator time: 2020-01-01T00:00:00Z (UID2 v2 did not exist before). */
const EARLIEST_MS = Date.UTC(2020, 0, 1);
/** Latest plausible operator time: 2200-01-01T00:00:00Z. */
const LATEST_MS = Date.UTC(2200, 0, 1);

/** Throws `UID2_RESPONSE_INVALID` unless `timestamp` is a plausible epoch-ms time. */
export function checkResponseTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < EARLIEST_MS || timestamp > LATEST_MS) {
    throw new Uid2Error('UID2_RESPONSE_INVALID', 'the decrypted answer carries an impossible timestamp');
  }
}
