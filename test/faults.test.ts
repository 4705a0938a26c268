/**
 * The fault matrix of issue 4: every fault mode of the local operator, for generate and for refresh,
 * gives the specified outcome within the deadline plus a small slack, in the specified number of
 * attempts, with no unhandled rejection and no socket left open. The README's "Faults" table is this
 * table.
 *
 * Two drivers, one matrix. Rows whose cost is waiting (delays, Retry-After) run on a MockAgent operator
 * under fake clocks, so a 10 s delay costs nothing; every other row runs on the local operator's real
 * sockets, with a short real budget, because resets, truncated bodies and stalls mid-body are things
 * only a socket does. Backoff jitter is pinned to 0 (transport.test.ts covers the jitter itself).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Identity, PublisherClient, type Uid2ErrorCode } from '../src/index.js';
import { type FaultSpec, type LocalOperator, startLocalOperator } from '../src/testing/index.js';
import { type AttemptLog, MockOperator, recordAttempts, useFakeClocks } from './support/fault-clients.js';

const SLACK_MS = 300;
/** Budgets: fake time makes the mocked rows free; the socket rows get a short real one. */
const MOCK_BUDGET = { timeoutMs: 3_000, attemptTimeoutMs: 800 };
const SOCKET_BUDGET = { timeoutMs: 1_200, attemptTimeoutMs: 400 };

type Expected = { status: 'success'; attempts: number } | { code: Uid2ErrorCode; attempts: number };

/** One fault, once: what the client makes of it. Retryable faults succeed on the retry. */
const ONCE: [string, FaultSpec['kind'], Partial<FaultSpec>, Expected][] = [
  ['a 200 ms delay', 'delay', { ms: 200 }, { status: 'success', attempts: 1 }],
  ['a stall mid-body', 'stall', { ms: 10_000 }, { status: 'success', attempts: 2 }],
  ['500 JSON', 'http500', {}, { status: 'success', attempts: 2 }],
  ['502 HTML', 'http502', {}, { status: 'success', attempts: 2 }],
  ['503 HTML', 'http503', {}, { status: 'success', attempts: 2 }],
  ['429 with Retry-After: 1', 'http429', { retryAfterSeconds: 1 }, { status: 'success', attempts: 2 }],
  ['a connection reset', 'reset', {}, { status: 'success', attempts: 2 }],
  ['a truncated body', 'truncated', {}, { status: 'success', attempts: 2 }],
  ['a non-base64 200', 'notBase64', {}, { code: 'UID2_DECRYPT_FAILED', attempts: 1 }],
  ['a 200 under the wrong key', 'wrongKey', {}, { code: 'UID2_DECRYPT_FAILED', attempts: 1 }],
  ['an oversized 200', 'oversized', {}, { code: 'UID2_RESPONSE_TOO_LARGE', attempts: 1 }],
  ['a plain-JSON 200', 'plainJson', {}, { code: 'UID2_DECRYPT_FAILED', attempts: 1 }],
  ['an empty 200', 'empty', {}, { code: 'UID2_DECRYPT_FAILED', attempts: 1 }],
];

/** The same faults on every attempt: what reaches the caller once retries run out. */
const ALWAYS: [string, FaultSpec['kind'], Partial<FaultSpec>, Uid2ErrorCode][] = [
  ['a delay beyond the deadline', 'delay', { ms: 10_000 }, 'UID2_TIMEOUT'],
  ['stalls', 'stall', { ms: 10_000 }, 'UID2_TIMEOUT'],
  ['500s', 'http500', {}, 'UID2_SERVER_ERROR'],
  ['502s', 'http502', {}, 'UID2_SERVER_ERROR'],
  ['503s', 'http503', {}, 'UID2_SERVER_ERROR'],
  ['429s', 'http429', { retryAfterSeconds: 0 }, 'UID2_RATE_LIMITED'],
  ['resets', 'reset', {}, 'UID2_NETWORK'],
  ['truncated bodies', 'truncated', {}, 'UID2_NETWORK'],
];

/** Rows that only wait: they run on the MockAgent under fake time. */
function mocked(fault: FaultSpec): boolean {
  return fault.kind === 'delay' || (fault.kind === 'http429' && (fault.retryAfterSeconds ?? 1) > 0);
}

let op: LocalOperator;
let log: AttemptLog;
let mock: MockOperator | undefined;
/** Every client a test made: closed after it even when it failed early, so nothing leaks onward. */
const clients: PublisherClient[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
/** TCP sockets open when the test began: the local operator's listener and whatever else this worker holds. */
let baselineSockets = 0;

const tcpSockets = () => process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length;

async function socketsSettled(): Promise<number> {
  for (let i = 0; i < 200 && tcpSockets() > baselineSockets; i++) await new Promise((r) => setTimeout(r, 5));
  return tcpSockets();
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  op = await startLocalOperator();
});

beforeEach(() => {
  // Per test: a worker runs other files too (isolate: false), whose sockets may close meanwhile.
  baselineSockets = tcpSockets();
  log = recordAttempts();
  vi.spyOn(Math, 'random').mockReturnValue(0);
});

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  log.stop();
  op.clearFaults();
  op.resetStats();
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await mock?.close();
  mock = undefined;
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await op.close();
});

function socketClient(budget: Partial<typeof SOCKET_BUDGET> = SOCKET_BUDGET): PublisherClient {
  const client = new PublisherClient({
    baseUrl: op.url,
    apiKey: op.apiKey,
    secretKey: op.secretKey,
    ...budget,
  });
  clients.push(client);
  return client;
}

/** The MockAgent operator with the same fault queued for `endpoint`, then normal answers. */
function mockWith(endpoint: 'generate' | 'refresh', fault: FaultSpec): MockOperator {
  const made = new MockOperator();
  const count = fault.count ?? 1;
  if (fault.kind === 'delay') made.delayed(endpoint, fault.ms, count);
  else if (fault.kind === 'http429') {
    const headers = { 'content-type': 'text/plain', 'retry-after': String(fault.retryAfterSeconds ?? 1) };
    made.fault(endpoint, { statusCode: 429, data: 'Too Many Requests', headers }, count);
  } else throw new Error(`no mock for ${fault.kind}`);
  return made.answerNormally(endpoint);
}

interface Run {
  outcome: unknown;
  ms: number;
  attempts: number;
  client: PublisherClient;
  budget: typeof SOCKET_BUDGET;
}

/** One call under the fault: on the MockAgent (fake time) or the local operator (real time). */
async function run(endpoint: 'generate' | 'refresh', fault: FaultSpec): Promise<Run> {
  const viaMock = mocked(fault);
  const budget = viaMock ? MOCK_BUDGET : SOCKET_BUDGET;
  let client: PublisherClient;
  let identity: Identity | undefined;
  if (viaMock) {
    useFakeClocks();
    mock = mockWith(endpoint, fault);
    client = mock.client(budget);
    if (endpoint === 'refresh') identity = mock.identity();
  } else {
    client = socketClient(budget);
    if (endpoint === 'refresh') {
      const issued = await client.generateToken({ email: 'faults@example.com' });
      if (issued.status !== 'success') throw new Error('setup');
      identity = issued.identity;
    }
    op.injectFault({ ...fault, endpoint });
    op.resetStats();
  }
  log.clear();
  const started = performance.now();
  let ms = Number.NaN;
  const outcome = (
    identity ? client.refreshToken(identity) : client.generateToken({ email: 'faults@example.com' })
  )
    .then(
      (result) => result,
      (err: unknown) => err,
    )
    .finally(() => {
      ms = performance.now() - started;
    });
  if (viaMock) {
    await vi.advanceTimersByTimeAsync(budget.timeoutMs + SLACK_MS);
    // Fake time stands still from here: a call still running would hang the test, so fail it now.
    if (Number.isNaN(ms)) throw new Error(`the call did not settle within ${budget.timeoutMs + SLACK_MS} ms`);
  }
  const settled = await outcome;
  vi.useRealTimers();
  const attempts = log.count(endpoint);
  // The local operator's own count of what reached it: the client's count is not the only witness.
  if (!viaMock) expect(op.stats().byEndpoint[endpoint], 'requests the operator saw').toBe(attempts);
  return { outcome: settled, ms, attempts, client, budget };
}

async function settle(client: PublisherClient): Promise<void> {
  await client.close();
  expect(await socketsSettled()).toBeLessThanOrEqual(baselineSockets);
  expect(unhandled).toEqual([]);
}

for (const endpoint of ['generate', 'refresh'] as const) {
  describe(`${endpoint}: one fault`, () => {
    for (const [label, kind, extra, expected] of ONCE) {
      it(`${label} -> ${'code' in expected ? expected.code : 'success after retry'}`, async () => {
        const { outcome, ms, attempts, client, budget } = await run(endpoint, {
          kind,
          count: 1,
          ...extra,
        } as FaultSpec);
        if ('status' in expected) {
          expect(outcome).toMatchObject({ status: 'success' });
        } else {
          // On refresh, a wrong nonce cannot exist (no nonce); the generate-style prefix makes the JSON invalid.
          expect(outcome).toMatchObject({ code: expected.code, attempts: expected.attempts });
        }
        expect(attempts, 'attempts').toBe(expected.attempts);
        expect(ms).toBeLessThan(budget.timeoutMs + SLACK_MS);
        await settle(client);
      });
    }

    it(`a wrong nonce -> ${endpoint === 'generate' ? 'UID2_NONCE_MISMATCH' : 'UID2_RESPONSE_INVALID'}`, async () => {
      const { outcome, attempts, client } = await run(endpoint, { kind: 'wrongNonce' });
      expect(outcome).toMatchObject({
        code: endpoint === 'generate' ? 'UID2_NONCE_MISMATCH' : 'UID2_RESPONSE_INVALID',
        attempts: 1,
      });
      expect(attempts).toBe(1);
      await settle(client);
    });
  });

  describe(`${endpoint}: faults on every attempt`, () => {
    for (const [label, kind, extra, code] of ALWAYS) {
      it(`${label} -> ${code}`, async () => {
        const { outcome, ms, attempts, client, budget } = await run(endpoint, {
          kind,
          count: 10,
          ...extra,
        } as FaultSpec);
        expect(outcome).toMatchObject({ code });
        expect((outcome as { attempts: number }).attempts).toBeGreaterThanOrEqual(
          code === 'UID2_TIMEOUT' ? 2 : 3,
        );
        expect((outcome as { attempts: number }).attempts, 'error attempts = attempts sent').toBe(attempts);
        // Every retry is spent (retries: 2); only a real stall's timing can leave fewer.
        if (code !== 'UID2_TIMEOUT' || mocked({ kind, ...extra } as FaultSpec)) expect(attempts).toBe(3);
        expect(ms).toBeLessThan(budget.timeoutMs + SLACK_MS);
        await settle(client);
      });
    }
  });
}

describe('aborts', () => {
  it('an abort during the backoff after a 429 is UID2_ABORTED, not the 429', async () => {
    useFakeClocks();
    mock = mockWith('generate', { kind: 'http429', retryAfterSeconds: 2 });
    const client = mock.client();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    const outcome = client
      .generateToken({ email: 'abort@example.com' }, { signal: controller.signal })
      .catch((err: unknown) => [err, performance.now() - started]);
    await vi.advanceTimersByTimeAsync(2_500);
    expect(await outcome).toEqual([expect.objectContaining({ code: 'UID2_ABORTED', attempts: 1 }), 300]);
    expect(log.count('generate')).toBe(1);
    await settle(client);
  });

  it("the caller's signal ends a stalled call at once with UID2_ABORTED, sockets released", async () => {
    const client = socketClient({ timeoutMs: 3_000 });
    op.injectFault({ kind: 'stall', ms: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    await expect(
      client.generateToken({ email: 'abort@example.com' }, { signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'UID2_ABORTED',
      retryable: false,
    });
    expect(performance.now() - started).toBeLessThan(100 + SLACK_MS);
    await settle(client);
  });
});
