/**
 * Issue 8, points 4 to 8: the clock cannot be poisoned; every failure is a Uid2Error and the client never
 * stays broken; wire data never touches a prototype; deadlines hold and slow-but-working operators
 * succeed; generate and refresh treat an already-expired identity alike.
 */
import { getEventListeners } from 'node:events';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Identity,
  PublisherClient,
  type PublisherClientOptions,
  parseIdentity,
  Uid2Error,
} from '../src/index.js';
import { freshIdentity, type ScriptedOperator, startScriptedOperator } from './support/scripted-operator.js';

const SECRET_KEY = Buffer.alloc(32, 3).toString('base64');
const REFRESH_KEY = Buffer.alloc(32, 4).toString('base64');
const API_KEY = 'UID2-C-L-1-abcdef.0123456789abcdefghijklmnopqrstuvwxyzAB';
let op: ScriptedOperator;
const clients: PublisherClient[] = [];

function client(options: Partial<PublisherClientOptions> = {}): PublisherClient {
  const made = new PublisherClient({
    baseUrl: op.url,
    apiKey: API_KEY,
    secretKey: SECRET_KEY,
    retries: 0,
    ...options,
  });
  clients.push(made);
  return made;
}

const success = (now = Date.now()) =>
  JSON.stringify({ status: 'success', body: freshIdentity(now, REFRESH_KEY) });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return err instanceof Uid2Error ? err.code : `not a Uid2Error: ${String(err)}`;
  }
}

function validIdentity(): Identity {
  return parseIdentity(freshIdentity(Date.now(), REFRESH_KEY) as unknown as Identity);
}

beforeEach(async () => {
  op = await startScriptedOperator(SECRET_KEY, () => ({ sealed: { json: success() } }));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await op.close();
});

describe('the clock cannot be poisoned (point 4)', () => {
  it("a proxy's 503 with Date: 2100-01-01 does not move the offset, and valid identities still refresh", async () => {
    op.script = () => ({ status: 503, headers: { date: 'Fri, 01 Jan 2100 00:00:00 GMT' }, text: 'busy' });
    const c = client();
    expect(await codeOf(c.refreshToken(validIdentity()))).toBe('UID2_SERVER_ERROR');
    expect(await codeOf(c.generateToken({ email: 'user@example.com' }))).toBe('UID2_SERVER_ERROR');
    expect(c.clockOffsetMs).toBe(0);
    op.script = () => ({ sealedRefresh: { json: success(), key: REFRESH_KEY } });
    const before = op.requests.length;
    expect((await c.refreshToken(validIdentity())).status).toBe('success');
    expect(op.requests.length).toBe(before + 1);
  });

  it('an authenticated answer with an absurd timestamp (2^63-1) is UID2_RESPONSE_INVALID and breaks nothing', async () => {
    const c = client();
    op.script = () => ({ sealed: { json: success(), timestamp: 2n ** 63n - 1n } });
    expect(await codeOf(c.generateToken({ email: 'user@example.com' }))).toBe('UID2_RESPONSE_INVALID');
    op.script = () => ({ sealed: { json: success(), timestamp: Date.now() + 2 * 3_600_000 } });
    expect(await codeOf(c.generateToken({ email: 'user@example.com' }))).toBe('UID2_RESPONSE_INVALID');
    expect(c.clockOffsetMs).toBe(0);
    op.script = () => ({ sealed: { json: success() } });
    expect((await c.generateToken({ email: 'user@example.com' })).status).toBe('success');
    expect(Math.abs(c.clockOffsetMs)).toBeLessThan(1_000);
  });

  it('a timestamp refusal teaches the clock from its Date header, within the one-hour bound only', async () => {
    const c = client();
    const ahead = 10 * 60_000;
    op.script = (req) =>
      req.envelope !== undefined && Math.abs(req.envelope.timestamp - (Date.now() + ahead)) > 60_000
        ? {
            status: 400,
            headers: { 'content-type': 'application/json', date: new Date(Date.now() + ahead).toUTCString() },
            text: '{"message":"Invalid timestamp: Request too old or client time drift.","status":"client_error"}',
          }
        : { sealed: { json: success(Date.now() + ahead), timestamp: Date.now() + ahead } };
    expect((await c.generateToken({ email: 'user@example.com' })).status).toBe('success');
    expect(Math.abs(c.clockOffsetMs - ahead)).toBeLessThan(3_000);
    // A refusal claiming the year 2100 is not learned: the error says the clock is off.
    op.script = () => ({
      status: 400,
      headers: { 'content-type': 'application/json', date: 'Fri, 01 Jan 2100 00:00:00 GMT' },
      text: '{"message":"Invalid timestamp: Request too old or client time drift.","status":"client_error"}',
    });
    const learned = c.clockOffsetMs;
    expect(await codeOf(c.generateToken({ email: 'user@example.com' }))).toBe('UID2_CLOCK_SKEW');
    expect(c.clockOffsetMs).toBe(learned);
  });

  it('an offset learned from the operator cannot make a locally valid identity look expired', async () => {
    const ahead = 50 * 60_000;
    const c = client();
    op.script = () => ({ sealed: { json: success(Date.now() + ahead), timestamp: Date.now() + ahead } });
    await c.generateToken({ email: 'user@example.com' });
    expect(c.clockOffsetMs).toBeGreaterThan(ahead - 3_000);
    // Valid for 30 more minutes by the local clock, "expired" by the operator's: the operator decides.
    const identity = { ...freshIdentity(Date.now(), REFRESH_KEY), refresh_expires: Date.now() + 30 * 60_000 };
    op.script = () => ({
      status: 400,
      headers: { 'content-type': 'application/json' },
      text: '{"message":"Expired Token presented","status":"expired_token"}',
    });
    const before = op.requests.length;
    expect((await c.refreshToken(identity as unknown as Identity)).status).toBe('expired_token');
    expect(op.requests.length).toBe(before + 1);
  });
});

describe('every failure is a Uid2Error, and the client never stays broken (point 5)', () => {
  it('a fractional clock works', async () => {
    const c = client({ now: () => performance.timeOrigin + performance.now() });
    expect((await c.generateToken({ email: 'user@example.com' })).status).toBe('success');
  });

  it('close() is idempotent; a call after it is UID2_CLIENT_CLOSED at once, with no request', async () => {
    const c = client();
    await c.close();
    await c.close();
    const before = op.requests.length;
    const started = performance.now();
    for (const call of [
      c.generateToken({ email: 'user@example.com' }),
      c.refreshToken(validIdentity()),
      c.validateToken('A4AAAB', { email: 'user@example.com' }),
      c.warmUp(),
    ]) {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Uid2Error);
      expect((err as Uid2Error).code).toBe('UID2_CLIENT_CLOSED');
      expect((err as Uid2Error).retryable).toBe(false);
    }
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(op.requests.length).toBe(before);
  });

  it('bad options are UID2_INVALID_CONFIG and bad call options UID2_INVALID_INPUT, with no request', async () => {
    for (const options of [
      null,
      undefined,
      'x',
      [],
      { baseUrl: op.url, apiKey: API_KEY, secretKey: SECRET_KEY, timeoutMS: 5 },
    ]) {
      expect(() => new PublisherClient(options as never)).toThrow(
        expect.objectContaining({ code: 'UID2_INVALID_CONFIG' }),
      );
    }
    const c = client();
    for (const callOptions of [
      null,
      'x',
      { signal: {} },
      { signal: 'x' },
      { signal: null },
      { timeout: 5 },
    ]) {
      expect(await codeOf(c.generateToken({ email: 'user@example.com' }, callOptions as never))).toBe(
        'UID2_INVALID_INPUT',
      );
      expect(await codeOf(c.refreshToken(validIdentity(), callOptions as never))).toBe('UID2_INVALID_INPUT');
    }
    expect(op.requests.length).toBe(0);
  });

  it('a clock that returns nonsense is UID2_INVALID_CONFIG, not a RangeError', async () => {
    const c = client({ now: () => Number.NaN });
    expect(await codeOf(c.generateToken({ email: 'user@example.com' }))).toBe('UID2_INVALID_CONFIG');
  });
});

describe('wire data never touches a prototype (point 6)', () => {
  for (const [name, key] of [
    ['literal', '"__proto__"'],
    ['escaped', '"\\u005f_proto__"'],
  ] as const) {
    it(`a decrypted success holding a ${name} __proto__ key is refused`, async () => {
      const body = success().replace('{"advertising_token"', `{${key}:{"polluted":true},"advertising_token"`);
      op.script = () => ({ sealed: { json: body } });
      expect(await codeOf(client().generateToken({ email: 'user@example.com' }))).toBe(
        'UID2_RESPONSE_INVALID',
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('parseIdentity refuses __proto__ in JSON and in objects, and its result always redacts', () => {
    const fields = freshIdentity(Date.now(), REFRESH_KEY);
    const json = JSON.stringify(fields).replace('{', '{"__proto__":{"x":1},');
    expect(() => parseIdentity(json)).toThrow(expect.objectContaining({ code: 'UID2_INVALID_IDENTITY' }));
    expect(() => parseIdentity(JSON.parse(json) as object)).toThrow(
      expect.objectContaining({ code: 'UID2_INVALID_IDENTITY' }),
    );
    const shown = inspect(parseIdentity(fields as never), { showHidden: true, depth: 10 });
    expect(shown).not.toContain(fields.refresh_token as string);
    expect(shown).toContain('[redacted 388 chars]');
  });
});

describe('deadlines hold, and slow-but-working operators succeed (point 7)', () => {
  it('an operator answering in 60% of timeoutMs succeeds with the default attempt timeout', async () => {
    op.script = () => ({ sealed: { json: success() }, delayMs: 600 });
    const result = await client({ timeoutMs: 1_000, retries: 2 }).generateToken({
      email: 'user@example.com',
    });
    expect(result.status).toBe('success');
  });

  it('a dispatcher that ignores the abort signal still cannot hold a call past its deadline', async () => {
    const stubborn = {
      request: () => new Promise(() => {}),
      dispatch: () => true,
      close: async () => {},
      destroy: async () => {},
    };
    const started = performance.now();
    const c = client({ dispatcher: stubborn as never, timeoutMs: 200 });
    expect(await codeOf(c.generateToken({ email: 'user@example.com' }))).toBe('UID2_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('one AbortSignal shared by 10,000 concurrent calls adds one listener, leaves none, warns nothing', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    // Answers every request on the next turn with a 401, so that 10,000 calls are in flight at once.
    const quick = {
      request: () =>
        new Promise((resolve) =>
          setImmediate(() =>
            resolve({ statusCode: 401, headers: {}, body: Readable.from([Buffer.from('{}')]) }),
          ),
        ),
      dispatch: () => true,
      close: async () => {},
      destroy: async () => {},
    };
    const c = client({ dispatcher: quick as never, timeoutMs: 60_000 });
    const controller = new AbortController();
    const calls = Array.from({ length: 10_000 }, () =>
      codeOf(
        c.generateToken(
          { emailHash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' },
          { signal: controller.signal },
        ),
      ),
    );
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    const codes = await Promise.all(calls);
    expect(new Set(codes)).toEqual(new Set(['UID2_UNAUTHORIZED']));
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('generate and refresh treat an already-expired identity alike (point 8)', () => {
  it('a generate success that is already expired is UID2_RESPONSE_INVALID', async () => {
    const expired = { ...freshIdentity(Date.now(), REFRESH_KEY), identity_expires: Date.now() - 1_000 };
    op.script = () => ({ sealed: { json: JSON.stringify({ status: 'success', body: expired }) } });
    expect(await codeOf(client().generateToken({ email: 'user@example.com' }))).toBe('UID2_RESPONSE_INVALID');
    const deadRefresh = { ...freshIdentity(Date.now(), REFRESH_KEY), refresh_expires: Date.now() - 1_000 };
    op.script = () => ({ sealed: { json: JSON.stringify({ status: 'success', body: deadRefresh }) } });
    expect(await codeOf(client().generateToken({ email: 'user@example.com' }))).toBe('UID2_RESPONSE_INVALID');
  });
});
