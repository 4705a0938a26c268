/**
 * The client's side of the opt-out store: every call bounded by a short timeout, every failure
 * published on diagnostics_channel and swallowed. A store outage must never fail a sign-in: the call
 * then goes to the operator, which enforces opt-out itself.
 */
import { publishStoreError } from './diagnostics.js';
import { Uid2Error } from './errors.js';
import type { OptOutStore } from './state/opt-out.js';

type Operation = 'has' | 'add';

const TIMED_OUT = Symbol('timed out');

function errorName(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  const code = (err as { code?: unknown } | null)?.code;
  const base = typeof name === 'string' ? name.slice(0, 64) : 'Error';
  return typeof code === 'string' ? `${base} (${code.slice(0, 64)})` : base;
}

/** Runs store operations with a deadline of their own. */
export class OptOutGuard {
  readonly #store: OptOutStore;
  readonly #timeoutMs: number;

  constructor(store: OptOutStore, timeoutMs: number) {
    this.#store = store;
    this.#timeoutMs = timeoutMs;
  }

  /** Whether the subject was recorded; false (and an event) when the store fails or is slow. */
  async has(subject: string): Promise<boolean> {
    const outcome = await this.#run('has', () => this.#store.has(subject));
    return outcome.ok && outcome.value === true;
  }

  /** Records the subject; a failure is published, never thrown. */
  async add(subject: string): Promise<void> {
    await this.#run('add', () => this.#store.add(subject));
  }

  /** Records the subject, or throws `UID2_NETWORK` when the store fails (for explicit calls). */
  async addOrThrow(subject: string): Promise<void> {
    const outcome = await this.#run('add', () => this.#store.add(subject));
    if (!outcome.ok) {
      throw new Uid2Error(
        'UID2_NETWORK',
        `the opt-out store failed to record the opt-out (${outcome.reason})`,
        {
          retryable: true,
        },
      );
    }
  }

  async #run<T>(
    operation: Operation,
    work: () => T | Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; reason: 'timeout' | 'error' }> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), this.#timeoutMs);
      timer.unref?.();
    });
    try {
      const running = Promise.resolve().then(work);
      running.catch(() => {});
      const value = await Promise.race([running, timeout]);
      if (value === TIMED_OUT) {
        publishStoreError({
          store: 'optOuts',
          operation,
          reason: 'timeout',
          durationMs: performance.now() - started,
        });
        return { ok: false, reason: 'timeout' };
      }
      return { ok: true, value: value as T };
    } catch (err) {
      publishStoreError({
        store: 'optOuts',
        operation,
        reason: 'error',
        errorName: errorName(err),
        durationMs: performance.now() - started,
      });
      return { ok: false, reason: 'error' };
    } finally {
      clearTimeout(timer);
    }
  }
}
