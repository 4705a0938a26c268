/**
 * An operator on an undici `MockAgent`: the client's whole call path (request envelope, transport,
 * answer reading) with no socket, so that timing behaviour (delays, Retry-After, attempt timeouts,
 * deadlines) runs under fake timers in microseconds instead of seconds of real time.
 *
 * Answers are really sealed (the generate nonce is read back out of the request envelope), so a
 * success here is the same success the local operator gives. What needs a real socket (resets,
 * truncated bodies, stalls mid-body) stays with the local operator.
 */

import { randomBytes } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { MockAgent } from 'undici';
import { vi } from 'vitest';
import { DIAGNOSTICS_CHANNELS, type RequestEndEvent, type RequestStartEvent } from '../../src/diagnostics.js';
import { gcmOpen, sealGenerateResponse, sealRefreshResponse } from '../../src/envelope.js';
import type { Identity } from '../../src/identity.js';
import { PublisherClient, type PublisherClientOptions } from '../../src/index.js';
import { decodeSecretKey } from '../../src/keys.js';
import { type PostTarget, Transport, type TransportOptions } from '../../src/transport.js';

/** Where the mock operator lives; https, so the client needs no allowInsecureHttp. */
export const MOCK_ORIGIN = 'https://operator.test';

/** The clocks the client and transport read: timers, `Date` and `performance.now` (deadlines). */
export const FAKE_CLOCKS = [
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'Date',
  'performance',
] as const;

/** Fake timers for the clocks above, starting at a whole second (HTTP dates have second resolution). */
export function useFakeClocks(start = Date.parse('2026-06-01T12:00:00Z')): void {
  vi.useFakeTimers({ toFake: [...FAKE_CLOCKS], now: start });
}

/** The path of each mocked endpoint. */
export const PATHS = { generate: '/v2/token/generate', refresh: '/v2/token/refresh' } as const;
export type MockEndpoint = keyof typeof PATHS;

/** One reply the mock gives instead of a normal answer. */
export interface MockReply {
  statusCode: number;
  data?: string | Buffer;
  headers?: Record<string, string>;
}

/** A MockAgent that answers generate and refresh like the operator, with faults queued in front. */
export class MockOperator {
  readonly agent = new MockAgent();
  readonly apiKey = 'mock-api-key';
  readonly secretKey = randomBytes(32).toString('base64');
  /** Every refresh answer is sealed under this key; every identity issued here carries it. */
  readonly refreshResponseKey = randomBytes(32).toString('base64');
  readonly #secret = decodeSecretKey(this.secretKey);

  constructor() {
    this.agent.disableNetConnect();
  }

  /** An identity as the operator issues it, valid at `now`. */
  identity(now: number = Date.now()): Identity {
    return {
      advertising_token: `A${randomBytes(96).toString('base64')}`,
      refresh_token: `R${randomBytes(200).toString('base64')}`,
      identity_expires: now + 3_600_000,
      refresh_from: now + 1_800_000,
      refresh_expires: now + 86_400_000,
      refresh_response_key: this.refreshResponseKey,
    };
  }

  /** The sealed success answer to one request body (what the operator would send). */
  answer(endpoint: MockEndpoint, body: unknown): string {
    const json = JSON.stringify({ status: 'success', body: this.identity() });
    if (endpoint === 'refresh') {
      return sealRefreshResponse(decodeSecretKey(this.refreshResponseKey), json).toString('base64');
    }
    const request = gcmOpen(this.#secret, Buffer.from(String(body), 'base64'), 1);
    if (request === null) throw new Error('the mock operator could not open the request envelope');
    return sealGenerateResponse(this.#secret, Date.now(), request.subarray(8, 16), json).toString('base64');
  }

  /** Queues `times` fault replies (optionally each after `delayMs`) ahead of the normal answers. */
  fault(endpoint: MockEndpoint, reply: MockReply, times = 1, delayMs = 0): this {
    const scope = this.agent
      .get(MOCK_ORIGIN)
      .intercept({ path: PATHS[endpoint], method: 'POST' })
      .reply(reply.statusCode, reply.data ?? '', { headers: reply.headers ?? {} });
    if (delayMs > 0) scope.delay(delayMs);
    scope.times(times);
    return this;
  }

  /** Queues `times` normal answers, each after `delayMs`. */
  delayed(endpoint: MockEndpoint, delayMs: number, times = 1): this {
    this.agent
      .get(MOCK_ORIGIN)
      .intercept({ path: PATHS[endpoint], method: 'POST' })
      .reply((opts) => ({ statusCode: 200, data: this.answer(endpoint, opts.body) }))
      .delay(delayMs)
      .times(times);
    return this;
  }

  /** Answers normally from now on (register after the faults: interceptors match in order). */
  answerNormally(endpoint: MockEndpoint): this {
    this.agent
      .get(MOCK_ORIGIN)
      .intercept({ path: PATHS[endpoint], method: 'POST' })
      .reply((opts) => ({ statusCode: 200, data: this.answer(endpoint, opts.body) }))
      .persist();
    return this;
  }

  /** A client on this mock. */
  client(options: Partial<PublisherClientOptions> = {}): PublisherClient {
    return new PublisherClient({
      baseUrl: MOCK_ORIGIN,
      apiKey: this.apiKey,
      secretKey: this.secretKey,
      dispatcher: this.agent,
      ...options,
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** The diagnostics events of the client's attempts, collected while subscribed. */
export interface AttemptLog {
  readonly starts: RequestStartEvent[];
  readonly ends: RequestEndEvent[];
  /** Attempts started for `endpoint` since the log began (or since `clear()`). */
  count(endpoint: string): number;
  clear(): void;
  stop(): void;
}

/** Subscribes to the request channels; call `stop()` (in afterEach/finally) to unsubscribe. */
export function recordAttempts(): AttemptLog {
  const starts: RequestStartEvent[] = [];
  const ends: RequestEndEvent[] = [];
  const onStart = (message: unknown) => starts.push(message as RequestStartEvent);
  const onEnd = (message: unknown) => ends.push(message as RequestEndEvent);
  channel(DIAGNOSTICS_CHANNELS.requestStart).subscribe(onStart);
  channel(DIAGNOSTICS_CHANNELS.requestEnd).subscribe(onEnd);
  return {
    starts,
    ends,
    count: (endpoint) => starts.filter((event) => event.endpoint === endpoint).length,
    clear: () => {
      starts.length = 0;
      ends.length = 0;
    },
    stop: () => {
      channel(DIAGNOSTICS_CHANNELS.requestStart).unsubscribe(onStart);
      channel(DIAGNOSTICS_CHANNELS.requestEnd).unsubscribe(onEnd);
    },
  };
}

/** What {@link TransportBench.post} settles to: the answer and the attempts made, or the error. */
export type Settled =
  | { value: Awaited<ReturnType<Transport['post']>>; attempts: number }
  | { error: unknown };

/** A Transport on a MockOperator's agent, noting when (fake clock) each scripted request arrived. */
export class TransportBench {
  /** Fake-clock times (performance.now) at which each request reached a `replies()` interceptor. */
  readonly arrivals: number[] = [];
  readonly target: PostTarget<number> = {
    path: PATHS.generate,
    label: 'generate',
    build: () => ({ body: 'sealed', contentType: 'text/plain', context: this.arrivals.length }),
  };
  readonly #mock: MockOperator;

  constructor(mock: MockOperator) {
    this.#mock = mock;
  }

  pool(): ReturnType<MockAgent['get']> {
    return this.#mock.agent.get(MOCK_ORIGIN);
  }

  /** A transport with test defaults (1 KiB cap, 10 s deadline) on the mock's agent. */
  transport(overrides: Partial<TransportOptions> = {}): Transport {
    return new Transport({
      origin: MOCK_ORIGIN,
      basePath: '',
      apiKey: 'mock-api-key',
      clientVersion: 'uid2-publisher-test',
      timeoutMs: 10_000,
      attemptTimeoutMs: 7_000,
      retries: 2,
      maxResponseBytes: 1024,
      dispatcher: this.#mock.agent,
      maxRetryAfterMs: 2_000,
      backoffBaseMs: 100,
      clock: Date.now,
      clockOffset: () => 0,
      ...overrides,
    });
  }

  /** Replies `statusCode` to the next `times` generate requests, noting when each arrived. */
  replies(statusCode: number, times = 1, headers: Record<string, string> = {}, data = ''): void {
    this.pool()
      .intercept({ path: PATHS.generate, method: 'POST' })
      .reply(() => {
        this.arrivals.push(performance.now());
        return { statusCode, data, responseOptions: { headers } };
      })
      .times(times);
  }

  /** Posts once through `t`, moving fake time on by `advanceMs` while the call runs. */
  async post(t: Transport, advanceMs = 20_000, signal?: AbortSignal): Promise<Settled> {
    const scope = t.beginCall(signal);
    const running = t.post(scope, this.target).then(
      (value) => ({ value, attempts: scope.attempts }),
      (error: unknown) => ({ error }),
    );
    let done = false;
    void running.then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(advanceMs);
    // Fake time stands still from here: a call still running would hang the test, so fail it now.
    if (!done) throw new Error(`the call did not settle within ${advanceMs} ms of fake time`);
    const settled = await running;
    scope.dispose();
    return settled;
  }
}
