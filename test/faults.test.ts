/**
 * The fault matrix of issue 4: every fault mode of the local operator, for generate and for refresh,
 * gives the specified outcome within the deadline plus a small slack, with no unhandled rejection and
 * no socket left open. The README's "Faults" table is this table.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Identity, PublisherClient, type Uid2ErrorCode } from '../src/index.js';
import { type FaultSpec, type LocalOperator, startLocalOperator } from '../src/testing/index.js';

const TIMEOUT_MS = 3_000;
const ATTEMPT_TIMEOUT_MS = 800;
const SLACK_MS = 300;

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

let op: LocalOperator;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let baselineSockets = 0;

const tcpSockets = () => process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length;

async function socketsSettled(): Promise<number> {
  for (let i = 0; i < 50 && tcpSockets() > baselineSockets; i++) await new Promise((r) => setTimeout(r, 20));
  return tcpSockets();
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  op = await startLocalOperator();
  baselineSockets = tcpSockets();
});

afterEach(() => op.clearFaults());

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await op.close();
});

function newClient(attemptTimeoutMs?: number): PublisherClient {
  return new PublisherClient({
    baseUrl: op.url,
    apiKey: op.apiKey,
    secretKey: op.secretKey,
    timeoutMs: TIMEOUT_MS,
    ...(attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs }),
  });
}

async function run(
  endpoint: 'generate' | 'refresh',
  fault: FaultSpec,
): Promise<{ outcome: unknown; ms: number; client: PublisherClient }> {
  const client = newClient(ATTEMPT_TIMEOUT_MS);
  let identity: Identity | undefined;
  if (endpoint === 'refresh') {
    const issued = await client.generateToken({ email: 'faults@example.com' });
    if (issued.status !== 'success') throw new Error('setup');
    identity = issued.identity;
  }
  op.injectFault({ ...fault, endpoint });
  const started = performance.now();
  const outcome = await (identity
    ? client.refreshToken(identity)
    : client.generateToken({ email: 'faults@example.com' })
  ).then(
    (result) => result,
    (err: unknown) => err,
  );
  return { outcome, ms: performance.now() - started, client };
}

async function settle(client: PublisherClient): Promise<void> {
  await client.close();
  expect(await socketsSettled()).toBe(baselineSockets);
  expect(unhandled).toEqual([]);
}

for (const endpoint of ['generate', 'refresh'] as const) {
  describe(`${endpoint}: one fault`, () => {
    for (const [label, kind, extra, expected] of ONCE) {
      it(`${label} -> ${'code' in expected ? expected.code : 'success after retry'}`, async () => {
        const { outcome, ms, client } = await run(endpoint, { kind, count: 1, ...extra } as FaultSpec);
        if ('status' in expected) {
          expect(outcome).toMatchObject({ status: 'success' });
        } else {
          // On refresh, a wrong nonce cannot exist (no nonce); the generate-style prefix makes the JSON invalid.
          expect(outcome).toMatchObject({ code: expected.code, attempts: expected.attempts });
        }
        expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
        await settle(client);
      });
    }

    it(`a wrong nonce -> ${endpoint === 'generate' ? 'UID2_NONCE_MISMATCH' : 'UID2_RESPONSE_INVALID'}`, async () => {
      const { outcome, client } = await run(endpoint, { kind: 'wrongNonce' });
      expect(outcome).toMatchObject({
        code: endpoint === 'generate' ? 'UID2_NONCE_MISMATCH' : 'UID2_RESPONSE_INVALID',
        attempts: 1,
      });
      await settle(client);
    });
  });

  describe(`${endpoint}: faults on every attempt`, () => {
    for (const [label, kind, extra, code] of ALWAYS) {
      it(`${label} -> ${code}`, async () => {
        const { outcome, ms, client } = await run(endpoint, { kind, count: 10, ...extra } as FaultSpec);
        expect(outcome).toMatchObject({ code });
        expect((outcome as { attempts: number }).attempts).toBeGreaterThanOrEqual(
          code === 'UID2_TIMEOUT' ? 2 : 3,
        );
        expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
        await settle(client);
      });
    }
  });
}

describe('aborts', () => {
  it('an abort during the backoff after a 429 is UID2_ABORTED, not the 429', async () => {
    const client = newClient();
    op.injectFault({ kind: 'http429', retryAfterSeconds: 2 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(
      client.generateToken({ email: 'abort@example.com' }, { signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'UID2_ABORTED',
      attempts: 1,
    });
    await settle(client);
  });

  it("the caller's signal ends a stalled call at once with UID2_ABORTED, sockets released", async () => {
    const client = newClient();
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
