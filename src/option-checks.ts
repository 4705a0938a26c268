/**
 * Option checks shared by the client's options (config.ts) and the state layer's stores and sealing:
 * each checks its options where they enter, with `UID2_INVALID_CONFIG` errors that name the option and
 * never its value. A leaf: it imports only errors.ts.
 */
import { Uid2Error } from './errors.js';

/** A `UID2_INVALID_CONFIG` error (not retryable: the same options fail the same way). */
export function configError(message: string): Uid2Error {
  return new Uid2Error('UID2_INVALID_CONFIG', message);
}

/**
 * Checks that `options` is a plain object whose keys are all in `allowed`, so a misspelt option
 * (`maxEntires`) fails at start-up instead of being silently ignored.
 */
export function checkOptionKeys(options: unknown, owner: string, allowed: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw configError(`${owner} options must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw configError(`${owner}: unknown option "${key.slice(0, 32)}" (allowed: ${allowed.join(', ')})`);
    }
  }
}

/** An integer option in [min, max], or `fallback` when absent. */
export function integerOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw configError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
