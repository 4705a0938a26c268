/**
 * The time and abort state of one client call: one deadline over all attempts, a per-attempt timeout,
 * and the caller's signal.
 *
 * Why not `AbortController` + `AbortSignal.any` per attempt: profiling showed that wiring costing
 * 30-50 µs per request, most of a login's client-side cost. undici accepts any EventEmitter with
 * `aborted` and `reason` as a signal, so each attempt gets one of those and one timer.
 *
 * Why attempts are raced against their own timer: a dispatcher the caller supplies may ignore the
 * abort signal, and the deadline must hold all the same.
 */
import { EventEmitter } from 'node:events';
import { Uid2Error } from './errors.js';

/** A one-shot abort signal for one attempt, in the EventEmitter form undici accepts. */
export class AttemptSignal extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/** Why an attempt was cut short. */
type Cut = 'attempt-timeout' | 'deadline' | 'caller';

/**
 * One listener per caller signal, however many calls share it: 10,000 concurrent calls under one
 * request-wide signal must not add 10,000 listeners (MaxListenersExceededWarning) or leave any behind.
 */
const WATCHERS = new WeakMap<AbortSignal, { callbacks: Set<() => void>; listener: () => void }>();

/**
 * Calls `callback` once when `signal` aborts (on the next microtask if it already has), through one
 * shared listener per signal. Returns the function that unsubscribes; the shared listener goes when
 * its last subscriber does.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  if (signal.aborted) {
    // Already aborted: no event will come, so call back on the next microtask (still unsubscribable).
    let live = true;
    queueMicrotask(() => live && callback());
    return () => {
      live = false;
    };
  }
  let watcher = WATCHERS.get(signal);
  if (watcher === undefined) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      WATCHERS.delete(signal);
      for (const each of callbacks) each();
    };
    watcher = { callbacks, listener };
    WATCHERS.set(signal, watcher);
    signal.addEventListener('abort', listener, { once: true });
  }
  // A wrapper, so that one callback subscribed twice is two subscriptions.
  const subscription = () => callback();
  watcher.callbacks.add(subscription);
  const current = watcher;
  return () => {
    current.callbacks.delete(subscription);
    if (current.callbacks.size === 0 && WATCHERS.get(signal) === current) {
      WATCHERS.delete(signal);
      signal.removeEventListener('abort', current.listener);
    }
  };
}

/** The shared state of one client call. */
export class CallScope {
  /** HTTP attempts made so far. */
  attempts = 0;
  readonly #timeoutMs: number;
  readonly #deadline: number;
  #current: AttemptSignal | undefined;
  #wake: (() => void) | undefined;
  #cut: Cut | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(timeoutMs: number, caller?: AbortSignal) {
    this.#timeoutMs = timeoutMs;
    this.#deadline = performance.now() + timeoutMs;
    if (caller?.aborted) this.#cut = 'caller';
    else if (caller !== undefined) this.#unsubscribe = onAbort(caller, () => this.callerAborted());
  }

  /** Called once when the caller's signal aborts. */
  callerAborted(): void {
    this.#cut = 'caller';
    this.#current?.abort(new Error('aborted by caller'));
    this.#wake?.();
  }

  /** True once the caller's signal has aborted. */
  get callerHasAborted(): boolean {
    return this.#cut === 'caller';
  }

  /** Milliseconds left before the deadline. */
  remainingMs(): number {
    return Math.max(0, this.#deadline - performance.now());
  }

  /** Throws `UID2_ABORTED` or `UID2_TIMEOUT` when the call can no longer go on. */
  checkAlive(): void {
    if (this.#cut === 'caller') throw this.#abortError(0);
    if (this.remainingMs() <= 0) {
      this.#cut = 'deadline';
      throw this.#abortError(0);
    }
  }

  /**
   * Runs one attempt under a signal that aborts at the attempt timeout, the deadline (whichever comes
   * first) or the caller's abort. The attempt's promise is raced against that signal, so the call ends
   * on time even when `work` ignores the signal.
   */
  async runAttempt<T>(attemptTimeoutMs: number, work: (signal: AttemptSignal) => Promise<T>): Promise<T> {
    const signal = new AttemptSignal();
    if (this.#cut === 'caller') signal.abort(new Error('aborted by caller'));
    const remaining = this.remainingMs();
    const limit = Math.max(1, Math.min(attemptTimeoutMs, remaining));
    const cut: Cut = attemptTimeoutMs < remaining ? 'attempt-timeout' : 'deadline';
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(this.#abortError(limit));
      signal.once('abort', onAbort);
    });
    // Whoever loses the race must not become an unhandled rejection.
    aborted.catch(() => {});
    const timer = setTimeout(() => {
      if (this.#cut !== 'caller') this.#cut = cut;
      signal.abort(new Error('timed out'));
    }, limit);
    this.#current = signal;
    try {
      if (signal.aborted) throw this.#abortError(limit);
      const running = work(signal);
      running.catch(() => {});
      return await Promise.race([running, aborted]);
    } catch (err) {
      throw signal.aborted ? this.#abortError(limit) : err;
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) signal.off('abort', onAbort);
      this.#current = undefined;
      // An attempt timeout only ends its attempt; the next one starts afresh.
      if (this.#cut === 'attempt-timeout') this.#cut = undefined;
    }
  }

  /** Waits `ms` (the caller's abort ends it early); then throws if the caller aborted. */
  async wait(ms: number): Promise<void> {
    if (this.#cut !== 'caller') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    if (this.#cut === 'caller') throw this.#abortError(0);
  }

  #abortError(limitMs: number): Uid2Error {
    const attempts = this.attempts;
    if (this.#cut === 'caller') {
      return new Uid2Error('UID2_ABORTED', 'the call was aborted by its signal', {
        attempts,
        retryable: false,
      });
    }
    if (this.#cut === 'deadline' || limitMs === 0) {
      return new Uid2Error('UID2_TIMEOUT', `no complete answer within timeoutMs (${this.#timeoutMs} ms)`, {
        attempts,
      });
    }
    return new Uid2Error('UID2_TIMEOUT', `no complete answer within attemptTimeoutMs (${limitMs} ms)`, {
      attempts,
    });
  }

  /** Forgets the caller's signal. */
  dispose(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
