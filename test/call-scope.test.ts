/**
 * CallScope and onAbort on their own, under fake timers (setTimeout and performance.now, which the
 * deadline reads): the deadline against the attempt timeout, the caller's abort at each point of a call,
 * and one shared listener per caller signal however many calls use it.
 */
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AttemptSignal, CallScope, onAbort } from '../src/call-scope.js';
import { useFakeClocks } from './support/fault-clients.js';

beforeEach(() => useFakeClocks());
afterEach(() => vi.useRealTimers());

const never = () => new Promise<never>(() => {});

/** Moves fake time on by exactly `ms` while `promise` runs; returns its value or error, and when it settled. */
async function within<T>(
  ms: number,
  promise: Promise<T>,
): Promise<{ value?: T; error?: unknown; at: number }> {
  const t0 = performance.now();
  let at = Number.NaN;
  const settled = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  void settled.then(() => {
    at = performance.now() - t0;
  });
  await vi.advanceTimersByTimeAsync(ms);
  // Fake time stands still from here: a promise still pending would hang the test, so fail it now.
  if (Number.isNaN(at)) throw new Error(`still pending after ${ms} ms of fake time`);
  return { ...(await settled), at };
}

describe('deadline and attempt timeout', () => {
  it('the attempt timeout cuts an attempt; the deadline then cuts the next one at what is left', async () => {
    const scope = new CallScope(1_000);
    scope.attempts = 1;
    const first = await within(300, scope.runAttempt(300, never));
    expect(first.at).toBe(300);
    expect(first.error).toMatchObject({ code: 'UID2_TIMEOUT', attempts: 1 });
    expect((first.error as Error).message).toContain('attemptTimeoutMs (300 ms)');
    expect(scope.remainingMs()).toBe(700);
    scope.attempts = 2;
    const second = await within(700, scope.runAttempt(5_000, never));
    expect(second.at).toBe(700);
    expect((second.error as Error).message).toContain('timeoutMs (1000 ms)');
    expect(() => scope.checkAlive()).toThrow(expect.objectContaining({ code: 'UID2_TIMEOUT' }));
  });

  it('the attempt signal aborts when the attempt is cut, so an obedient dispatcher can stop', async () => {
    const scope = new CallScope(1_000);
    let seen: AttemptSignal | undefined;
    await within(
      1_000,
      scope.runAttempt(200, async (signal) => {
        seen = signal;
        return never();
      }),
    );
    expect(seen?.aborted).toBe(true);
    expect(seen?.listenerCount('abort')).toBe(0);
  });

  it('work that finishes in time gives its value; its own error passes through unchanged', async () => {
    const scope = new CallScope(1_000);
    await expect(scope.runAttempt(500, async () => 'answer')).resolves.toBe('answer');
    const own = new Error('own');
    await expect(scope.runAttempt(500, async () => Promise.reject(own))).rejects.toBe(own);
    expect(() => scope.checkAlive()).not.toThrow();
  });

  it('wait() resolves after its time', async () => {
    const scope = new CallScope(1_000);
    expect(await within(500, scope.wait(120))).toMatchObject({ at: 120 });
  });
});

describe('caller abort', () => {
  it('a signal aborted before the call: UID2_ABORTED and the work never starts', async () => {
    const scope = new CallScope(1_000, AbortSignal.abort());
    const work = vi.fn(never);
    await expect(scope.runAttempt(500, work)).rejects.toMatchObject({
      code: 'UID2_ABORTED',
      retryable: false,
    });
    expect(work).not.toHaveBeenCalled();
    expect(() => scope.checkAlive()).toThrow(expect.objectContaining({ code: 'UID2_ABORTED' }));
  });

  it('an abort during an attempt ends it at once with UID2_ABORTED and aborts its signal', async () => {
    const controller = new AbortController();
    const scope = new CallScope(1_000, controller.signal);
    scope.attempts = 1;
    let seen: AttemptSignal | undefined;
    setTimeout(() => controller.abort(), 100);
    const outcome = await within(
      1_000,
      scope.runAttempt(800, async (signal) => {
        seen = signal;
        return never();
      }),
    );
    expect(outcome).toMatchObject({ at: 100, error: { code: 'UID2_ABORTED', attempts: 1 } });
    expect(seen?.aborted).toBe(true);
    expect(scope.callerHasAborted).toBe(true);
  });

  it('an abort during a backoff wait ends the wait at once with UID2_ABORTED', async () => {
    const controller = new AbortController();
    const scope = new CallScope(5_000, controller.signal);
    setTimeout(() => controller.abort(), 100);
    expect(await within(3_000, scope.wait(2_000))).toMatchObject({
      at: 100,
      error: { code: 'UID2_ABORTED' },
    });
  });

  it('an abort after the deadline passed still reports the abort', async () => {
    const controller = new AbortController();
    const scope = new CallScope(100, controller.signal);
    await vi.advanceTimersByTimeAsync(200);
    controller.abort();
    expect(() => scope.checkAlive()).toThrow(expect.objectContaining({ code: 'UID2_ABORTED' }));
  });

  it('dispose() removes the listener from the caller signal', () => {
    const controller = new AbortController();
    const scope = new CallScope(1_000, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    scope.dispose();
    scope.dispose();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('onAbort: one listener per shared signal', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeEach(() => {
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });
  /** Lets process.emitWarning (which warns on the next tick) run. */
  const warningsDelivered = () => new Promise((resolve) => setImmediate(resolve));

  it('10,000 subscribers add one listener, and none is left once all unsubscribe', async () => {
    const controller = new AbortController();
    const calls = vi.fn();
    const unsubscribes = Array.from({ length: 10_000 }, () => onAbort(controller.signal, calls));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    for (const unsubscribe of unsubscribes.slice(0, 9_999)) unsubscribe();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    unsubscribes[9_999]?.();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort();
    expect(calls).not.toHaveBeenCalled();
    await warningsDelivered();
    expect(warnings.map((w) => w.name)).toEqual([]);
  });

  it('an abort calls every subscriber once (one callback subscribed twice is called twice)', async () => {
    const controller = new AbortController();
    const calls = vi.fn();
    for (let i = 0; i < 10_000; i++) onAbort(controller.signal, calls);
    const twice = vi.fn();
    onAbort(controller.signal, twice);
    const unsubscribeOne = onAbort(controller.signal, twice);
    onAbort(controller.signal, vi.fn())();
    expect(unsubscribeOne).toBeTypeOf('function');
    controller.abort();
    controller.signal.dispatchEvent(new Event('abort'));
    expect(calls).toHaveBeenCalledTimes(10_000);
    expect(twice).toHaveBeenCalledTimes(2);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await warningsDelivered();
    expect(warnings).toEqual([]);
  });

  it('10,000 call scopes on one signal: one listener, no warning, none left after dispose', async () => {
    const controller = new AbortController();
    const scopes = Array.from({ length: 10_000 }, () => new CallScope(1_000, controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    for (const scope of scopes) scope.dispose();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await warningsDelivered();
    expect(warnings).toEqual([]);
  });
});
