/**
 * The errors a store raises. The client treats any of them the same way (it asks the operator, which
 * enforces opt-out itself, and reports the failure on diagnostics_channel), so the codes are for logs
 * and metrics: messages name the store and the state, never a subject, key, URL or path.
 */
import { Uid2Error, type Uid2ErrorCode } from '../errors.js';

/**
 * The code of an engine failure (Redis unreachable, SQLite I/O or lock error). The closed code list has
 * no store-specific entry; `UID2_NETWORK` is the nearest meaning ("the thing behind this call could not
 * be reached") and, like it, is retryable.
 */
const STORE_FAILED: Uid2ErrorCode = 'UID2_NETWORK';

/**
 * A call on a store after its `close()`. That is an ordering mistake in the application's shutdown,
 * not a transient condition, so it is a configuration error and not retryable.
 */
export function closedStoreError(store: string): Uid2Error {
  return new Uid2Error('UID2_INVALID_CONFIG', `${store} is closed`, { retryable: false });
}

/** The engine failed or could not be reached; `cause` is kept for debugging (it holds no DII). */
export function storeFailedError(store: string, cause?: unknown): Uid2Error {
  return new Uid2Error(STORE_FAILED, `${store}: the storage engine failed or is unreachable`, {
    retryable: true,
    cause,
  });
}

/** The engine did not answer in time. */
export function storeTimeoutError(store: string, timeoutMs: number): Uid2Error {
  return new Uid2Error('UID2_TIMEOUT', `${store}: no answer within ${timeoutMs} ms`, { retryable: true });
}
