/**
 * Per-call options: `{ signal? }`, checked where they enter. A bad one is `UID2_INVALID_INPUT` and
 * nothing is sent.
 */
import { Uid2Error } from './errors.js';

/**
 * Per-call options.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * await client.generateToken({ email }, { signal: controller.signal });
 * ```
 */
export interface CallOptions {
  /** Aborts the call; it then rejects with `UID2_ABORTED`. */
  signal?: AbortSignal;
}

/** The caller's signal, after checking that the options are what {@link CallOptions} says. */
export function callSignal(options: unknown): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Uid2Error('UID2_INVALID_INPUT', 'call options must be an object such as { signal }');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'signal')
      throw new Uid2Error('UID2_INVALID_INPUT', `unknown call option "${key.slice(0, 40)}"`);
  }
  const { signal } = options as { signal?: unknown };
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new Uid2Error('UID2_INVALID_INPUT', 'signal must be an AbortSignal');
  }
  return signal;
}
