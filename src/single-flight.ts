/**
 * Single-flight: concurrent calls for the same key share one execution and its result. Each caller may
 * stop waiting on its own signal without ending the shared work for the others.
 */
import { onAbort } from './call-scope.js';
import { Uid2Error } from './errors.js';

/** Waits for `shared`, or rejects with `UID2_ABORTED` when `signal` aborts first. */
function raceSignal<T>(shared: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return shared;
  const aborted = () =>
    new Uid2Error('UID2_ABORTED', 'the call was aborted by its signal', { retryable: false });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const unsubscribe = onAbort(signal, () => reject(aborted()));
    shared.then(
      (value) => {
        unsubscribe();
        resolve(value);
      },
      (err: unknown) => {
        unsubscribe();
        reject(err);
      },
    );
  });
}

/** Shares in-flight executions by key. */
export class SingleFlight<K, V> {
  readonly #inFlight = new Map<K, Promise<V>>();

  /** Joins the execution for `key`, or starts `work` when there is none. */
  run(key: K, signal: AbortSignal | undefined, work: () => Promise<V>): Promise<V> {
    // A caller that has already aborted starts nothing.
    if (signal?.aborted) return raceSignal(Promise.resolve() as Promise<V>, signal);
    let shared = this.#inFlight.get(key);
    if (shared === undefined) {
      const started = work();
      shared = started;
      this.#inFlight.set(key, started);
      const forget = () => {
        if (this.#inFlight.get(key) === started) this.#inFlight.delete(key);
      };
      started.then(forget, forget);
    }
    return raceSignal(shared, signal);
  }

  /** How many executions are in flight (for tests and diagnostics). */
  get size(): number {
    return this.#inFlight.size;
  }
}
