/**
 * The transport on its own, against an undici MockAgent passed as `dispatcher`, under fake timers
 * (timers, Date and performance.now, which the deadline reads): every wait below is exact and costs no
 * real time. What only a real socket shows (resets, truncation, stalls) is in faults.test.ts.
 */
import { getEventListeners } from 'node:events';
import { type Dispatcher, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encryptTokenGenerateRequest } from '../src/index.js';
import type { TransportOptions } from '../src/transport.js';
import {
  MOCK_ORIGIN,
  MockOperator,
  PATHS,
  recordAttempts,
  TransportBench,
  useFakeClocks,
} from './support/fault-clients.js';

let mock: MockOperator;
let bench: TransportBench;

beforeEach(() => {
  useFakeClocks();
  mock = new MockOperator();
  bench = new TransportBench(mock);
});

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await mock.close();
});

const pool = () => bench.pool();
const transport = (overrides: Partial<TransportOptions> = {}) => bench.transport(overrides);
const replies = (...args: Parameters<TransportBench['replies']>) => bench.replies(...args);
const post = (...args: Parameters<TransportBench['post']>) => bench.post(...args);

const started = () => performance.now();

describe('retries and backoff', () => {
  it('waits a full-jitter backoff: random x 100 ms, then x 200 ms', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    replies(503, 2);
    replies(200);
    const t0 = started();
    const settled = await post(transport());
    expect(settled).toMatchObject({ value: { statusCode: 200 }, attempts: 3 });
    expect(bench.arrivals.map((at) => at - t0)).toEqual([0, 50, 150]);
  });

  it('a jitter near 1 waits nearly the whole ceiling', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    replies(500, 2);
    replies(200);
    const t0 = started();
    await post(transport());
    expect(bench.arrivals.map((at) => Math.round(at - t0))).toEqual([0, 99, 297]);
  });

  for (const status of [429, 500, 502, 503, 504]) {
    it(`HTTP ${status} is retried until the retries run out; the last answer is returned`, async () => {
      replies(status, 5);
      const settled = await post(transport({ retries: 2 }));
      expect(settled).toMatchObject({ value: { statusCode: status }, attempts: 3 });
      expect(bench.arrivals).toHaveLength(3);
    });
  }

  for (const status of [400, 401, 403, 404, 409, 302]) {
    it(`HTTP ${status} is never retried (and a redirect is not followed)`, async () => {
      replies(status, 5, status === 302 ? { location: `${MOCK_ORIGIN}/elsewhere` } : {});
      pool().intercept({ path: '/elsewhere' }).reply(200, 'followed');
      const settled = await post(transport());
      expect(settled).toMatchObject({ value: { statusCode: status }, attempts: 1 });
      expect(bench.arrivals).toHaveLength(1);
      // The Location was never requested.
      expect(mock.agent.pendingInterceptors().map((pending) => pending.path)).toContain('/elsewhere');
    });
  }

  it('a connection failure is retried; when they run out it is UID2_NETWORK with the attempt count', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    pool().intercept({ path: PATHS.generate, method: 'POST' }).replyWithError(reset).times(3);
    const settled = await post(transport({ retries: 2 }));
    expect(settled).toMatchObject({ error: { code: 'UID2_NETWORK', attempts: 3, retryable: true } });
    expect((settled as { error: Error }).error.message).toContain('ECONNRESET');
  });

  it('retries: 0 sends exactly one request', async () => {
    replies(503, 3);
    expect(await post(transport({ retries: 0 }))).toMatchObject({ value: { statusCode: 503 }, attempts: 1 });
  });
});

describe('Retry-After', () => {
  beforeEach(() => vi.spyOn(Math, 'random').mockReturnValue(0));

  const cases: [string, () => string, number][] = [
    ['1 second', () => '1', 1_000],
    ['30 seconds, capped', () => '30', 2_000],
    ['an HTTP date 1 s ahead', () => new Date(Date.now() + 1_000).toUTCString(), 1_000],
    ['an HTTP date an hour ahead, capped', () => new Date(Date.now() + 3_600_000).toUTCString(), 2_000],
    ['an HTTP date in the past', () => new Date(Date.now() - 60_000).toUTCString(), 0],
    ['garbage (ignored, backoff only)', () => 'soon', 0],
  ];
  for (const [label, value, wait] of cases) {
    it(`${label} -> the retry comes ${wait} ms later`, async () => {
      replies(429, 1, { 'retry-after': value() });
      replies(200);
      const t0 = started();
      expect(await post(transport())).toMatchObject({ value: { statusCode: 200 }, attempts: 2 });
      expect(bench.arrivals.map((at) => at - t0)).toEqual([0, wait]);
    });
  }

  it('a Retry-After longer than the time left returns the 429 at once instead of waiting', async () => {
    replies(429, 1, { 'retry-after': '2' });
    replies(200);
    const t0 = started();
    const settled = await post(transport({ timeoutMs: 1_500, attemptTimeoutMs: 1_500 }), 100);
    expect(settled).toMatchObject({ value: { statusCode: 429 }, attempts: 1 });
    expect(performance.now() - t0).toBe(100);
    expect(bench.arrivals).toHaveLength(1);
  });
});

describe('timeouts', () => {
  it('an attempt timeout ends the attempt, and the retry succeeds', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    mock.fault('generate', { statusCode: 200, data: 'late' }, 1, 60_000);
    replies(200);
    const t0 = started();
    const settled = await post(transport({ timeoutMs: 3_000, attemptTimeoutMs: 800 }));
    expect(settled).toMatchObject({ value: { statusCode: 200 }, attempts: 2 });
    expect(bench.arrivals.map((at) => at - t0)).toEqual([800 + 50]);
  });

  it('the deadline covers every attempt: UID2_TIMEOUT at timeoutMs, the last attempt cut short', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    mock.fault('generate', { statusCode: 200 }, 5, 60_000);
    const log = recordAttempts();
    try {
      const t0 = started();
      const settled = await post(transport({ timeoutMs: 1_000, attemptTimeoutMs: 700 }), 1_000);
      expect(settled).toMatchObject({ error: { code: 'UID2_TIMEOUT', attempts: 2, retryable: true } });
      expect((settled as { error: Error }).error.message).toContain('timeoutMs (1000 ms)');
      expect(log.ends.map((event) => [event.errorCode, event.durationMs])).toEqual([
        ['UID2_TIMEOUT', 700],
        ['UID2_TIMEOUT', 1_000 - 700 - 50],
      ]);
      expect(performance.now() - t0).toBe(1_000);
    } finally {
      log.stop();
    }
  });

  it('a dispatcher whose request never settles and ignores its signal still ends at the deadline', async () => {
    let listened = 0;
    const deaf = {
      dispatch: () => true,
      request: (options: Dispatcher.RequestOptions) => {
        listened += getEventListeners(options.signal as never, 'abort').length;
        return new Promise<never>(() => {});
      },
    } as unknown as Dispatcher;
    const t0 = started();
    const settled = await post(
      transport({ dispatcher: deaf, timeoutMs: 1_000, attemptTimeoutMs: 1_000 }),
      1_000,
    );
    expect(settled).toMatchObject({ error: { code: 'UID2_TIMEOUT', attempts: 1 } });
    expect(performance.now() - t0).toBe(1_000);
    expect(listened).toBe(1); // the race's own listener: the dispatcher added none
  });
});

describe('response size cap', () => {
  const exactly = (n: number) => 'x'.repeat(n);
  it('a body of exactly maxResponseBytes is read', async () => {
    replies(200, 1, {}, exactly(1024));
    const settled = await post(transport());
    expect((settled as { value: { body: Buffer } }).value.body.length).toBe(1024);
  });

  it('a streamed body one byte over is UID2_RESPONSE_TOO_LARGE, not retried', async () => {
    replies(200, 2, {}, exactly(1025));
    expect(await post(transport())).toMatchObject({
      error: { code: 'UID2_RESPONSE_TOO_LARGE', attempts: 1, retryable: false, httpStatus: 200 },
    });
    expect(bench.arrivals).toHaveLength(1);
  });

  it('a Content-Length over the cap is refused before the body is read (even on a 503)', async () => {
    replies(503, 2, { 'content-length': '5000' }, exactly(10));
    expect(await post(transport())).toMatchObject({
      error: { code: 'UID2_RESPONSE_TOO_LARGE', attempts: 1, httpStatus: 503 },
    });
  });
});

describe('headers, diagnostics and warm-up', () => {
  it('sends the API key, client version and content type', async () => {
    let seen: Record<string, string> = {};
    pool()
      .intercept({ path: PATHS.generate, method: 'POST' })
      .reply((opts) => {
        seen = opts.headers as Record<string, string>;
        return { statusCode: 200, data: '' };
      });
    await post(transport());
    expect(seen).toMatchObject({
      authorization: 'Bearer mock-api-key',
      'x-uid2-client-version': 'uid2-publisher-test',
      'content-type': 'text/plain',
    });
  });

  it('publishes a start and an end event per attempt, with status or error code and duration', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    mock.fault('generate', { statusCode: 200 }, 1, 60_000);
    replies(503);
    replies(200);
    const log = recordAttempts();
    try {
      await post(transport({ attemptTimeoutMs: 500 }));
      expect(log.starts).toEqual([1, 2, 3].map((attempt) => ({ endpoint: 'generate', attempt })));
      expect(log.ends).toEqual([
        { endpoint: 'generate', attempt: 1, errorCode: 'UID2_TIMEOUT', durationMs: 500, clockOffsetMs: 0 },
        { endpoint: 'generate', attempt: 2, httpStatus: 503, durationMs: 0, clockOffsetMs: 0 },
        { endpoint: 'generate', attempt: 3, httpStatus: 200, durationMs: 0, clockOffsetMs: 0 },
      ]);
    } finally {
      log.stop();
    }
  });

  it('warmUp opens the asked number of connections with GET /ops/healthcheck', async () => {
    const scope = pool().intercept({ path: '/ops/healthcheck', method: 'GET' }).reply(200, 'OK');
    scope.times(3);
    const t = transport();
    const call = t.beginCall();
    await expect(t.warmUp(call, 3)).resolves.toBe(3);
    expect(mock.agent.pendingInterceptors()).toHaveLength(0);
  });

  it('warmUp throws UID2_NETWORK when no connection could be opened', async () => {
    pool().intercept({ path: '/ops/healthcheck' }).replyWithError(new Error('refused')).times(2);
    const t = transport();
    await expect(t.warmUp(t.beginCall(), 2)).rejects.toMatchObject({ code: 'UID2_NETWORK' });
  });
});

describe('close()', () => {
  it('leaves a dispatcher it does not own open, and is idempotent', async () => {
    const t = transport();
    await t.close();
    await t.close();
    expect(t.closed).toBe(true);
    pool().intercept({ path: '/still-open' }).reply(200, 'yes');
    const res = await request(`${MOCK_ORIGIN}/still-open`, { dispatcher: mock.agent });
    expect(await res.body.text()).toBe('yes');
  });

  it('a post after close() is UID2_CLIENT_CLOSED and sends nothing', async () => {
    replies(200);
    const t = transport();
    await t.close();
    expect(await post(t)).toMatchObject({ error: { code: 'UID2_CLIENT_CLOSED', retryable: false } });
    expect(bench.arrivals).toHaveLength(0);
    await expect(t.warmUp(t.beginCall(), 1)).rejects.toMatchObject({ code: 'UID2_CLIENT_CLOSED' });
  });

  it('a close() during the backoff ends the call with UID2_CLIENT_CLOSED before the retry', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    replies(503, 3);
    const t = transport();
    const scope = t.beginCall();
    const running = t.post(scope, bench.target).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10);
    await t.close();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await running).toMatchObject({ code: 'UID2_CLIENT_CLOSED', attempts: 1 });
    expect(bench.arrivals).toHaveLength(1);
  });
});

describe('through PublisherClient with dispatcher: MockAgent', () => {
  it('a success after two 503s is one call of three attempts', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    mock.fault('generate', { statusCode: 503 }, 2).answerNormally('generate');
    const log = recordAttempts();
    try {
      const ok = mock.client().generateToken({ email: 'user@example.com' });
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await ok).toMatchObject({
        status: 'success',
        identity: { refresh_response_key: mock.refreshResponseKey },
      });
      expect(log.count('generate')).toBe(3);
    } finally {
      log.stop();
    }
  });

  it('when every attempt fails, Uid2Error.attempts counts them', async () => {
    mock.fault('generate', { statusCode: 503 }, 5);
    const failing = mock
      .client({ retries: 2 })
      .generateToken({ email: 'user@example.com' })
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await failing).toMatchObject({ code: 'UID2_SERVER_ERROR', httpStatus: 503, attempts: 3 });
  });

  it('client.close() leaves the MockAgent answering; calls after it are UID2_CLIENT_CLOSED, no request', async () => {
    mock.answerNormally('generate');
    const client = mock.client();
    await client.close();
    await client.close();
    const log = recordAttempts();
    try {
      for (const call of [
        () => client.generateToken({ email: 'user@example.com' }),
        () => client.refreshToken(mock.identity()),
        () => client.validateToken('AAAA', { email: 'user@example.com' }),
        () => client.warmUp(),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'UID2_CLIENT_CLOSED', retryable: false });
      }
      expect(log.starts).toEqual([]);
    } finally {
      log.stop();
    }
    const res = await request(`${MOCK_ORIGIN}${PATHS.generate}`, {
      method: 'POST',
      body: encryptForMock(),
      dispatcher: mock.agent,
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });
});

/** A request body the mock can open: any client's sealed generate request. */
function encryptForMock(): string {
  return encryptTokenGenerateRequest(mock.secretKey, { email: 'user@example.com' }).body;
}
