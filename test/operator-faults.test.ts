/**
 * Every injected fault of the local operator, observed over raw HTTP, plus the queue rules: per
 * endpoint, `count` uses, first in first out.
 */

import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openGenerateResponse, openRefreshResponse, sealRequestEnvelope } from '../src/envelope.js';
import { decodeSecretKey } from '../src/keys.js';
import {
  type FaultSpec,
  type IdentityBody,
  type LocalOperator,
  startLocalOperator,
} from '../src/testing/index.js';

let op: LocalOperator;
let key: Buffer;
// A private pool, so connections the faults break never leak into other test files' requests.
const dispatcher = new Agent({ keepAliveTimeout: 10 });

async function generate(extra: { bodyTimeout?: number } = {}) {
  const { bytes, nonce } = sealRequestEnvelope(key, '{"email":"user@example.com"}');
  const res = await request(`${op.url}/v2/token/generate`, {
    method: 'POST',
    body: bytes.toString('base64'),
    headers: { authorization: `Bearer ${op.apiKey}` },
    dispatcher,
    ...extra,
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, text: body.toString('utf8'), nonce };
}

async function refresh(token: string) {
  const res = await request(`${op.url}/v2/token/refresh`, { method: 'POST', body: token, dispatcher });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

function openIdentity(res: { text: string; nonce: Uint8Array }): IdentityBody {
  const answer = JSON.parse(openGenerateResponse(key, res.text, res.nonce).json) as { body: IdentityBody };
  return answer.body;
}

beforeAll(async () => {
  op = await startLocalOperator();
  key = decodeSecretKey(op.secretKey);
});
// After each test, not before: a failing test must not leave its faults to the next one.
afterEach(() => op.clearFaults());
afterAll(async () => {
  await op.close();
  await dispatcher.close();
});

describe('answers that replace the operator', () => {
  it('http500 uses the operator message of each endpoint', async () => {
    op.injectFault({ kind: 'http500', count: 2 });
    const gen = await generate();
    expect([gen.status, gen.headers['content-type'], gen.text]).toEqual([
      500,
      'application/json',
      '{"message":"Unknown error while generating token v2","status":"unknown"}',
    ]);
    const ref = await refresh('x');
    expect([ref.status, ref.text]).toEqual([
      500,
      '{"message":"Unknown error while refreshing token v2","status":"unknown"}',
    ]);
    expect((await generate()).status).toBe(200);
  });

  it('http502 and http503 are load-balancer HTML pages', async () => {
    op.injectFault([{ kind: 'http502' }, { kind: 'http503' }]);
    const bad = await generate();
    expect([bad.status, bad.headers['content-type']]).toEqual([502, 'text/html']);
    expect(bad.text).toContain('<h1>502 Bad Gateway</h1>');
    const unavailable = await generate();
    expect(unavailable.status).toBe(503);
    expect(unavailable.text).toContain('503 Service Temporarily Unavailable');
  });

  it('http429 carries Retry-After', async () => {
    op.injectFault([{ kind: 'http429' }, { kind: 'http429', retryAfterSeconds: 30 }]);
    const first = await generate();
    expect([first.status, first.headers['retry-after']]).toEqual([429, '1']);
    expect((await generate()).headers['retry-after']).toBe('30');
  });

  it('notBase64, oversized and empty 200 bodies', async () => {
    op.injectFault([
      { kind: 'notBase64' },
      { kind: 'oversized' },
      { kind: 'oversized', bytes: 10 },
      { kind: 'empty' },
    ]);
    expect(await generate()).toMatchObject({ status: 200, text: 'this is not base64!' });
    expect((await generate()).text).toHaveLength(2 * 1024 * 1024);
    expect((await generate()).text).toBe('AAAAAAAAAA');
    expect(await generate()).toMatchObject({ status: 200, text: '' });
  });
});

describe('answers that change the real one', () => {
  it('wrongKey fails decryption, wrongNonce fails the nonce check', async () => {
    op.injectFault([{ kind: 'wrongKey' }, { kind: 'wrongNonce' }]);
    const wrongKey = await generate();
    expect(wrongKey.status).toBe(200);
    expect(() => openIdentity(wrongKey)).toThrow(expect.objectContaining({ code: 'UID2_DECRYPT_FAILED' }));
    const wrongNonce = await generate();
    expect(() => openIdentity(wrongNonce)).toThrow(expect.objectContaining({ code: 'UID2_NONCE_MISMATCH' }));
  });

  it('on refresh, wrongKey and wrongNonce break the refresh_response_key decryption or the JSON', async () => {
    const identity = openIdentity(await generate());
    const responseKey = Buffer.from(identity.refresh_response_key, 'base64');
    op.injectFault([
      { kind: 'wrongKey', endpoint: 'refresh' },
      { kind: 'wrongNonce', endpoint: 'refresh' },
    ]);
    expect(() => openRefreshResponse(responseKey, '')).toThrow();
    const wrongKey = await refresh(identity.refresh_token);
    expect(() => openRefreshResponse(responseKey, wrongKey.text)).toThrow(
      expect.objectContaining({ code: 'UID2_DECRYPT_FAILED' }),
    );
    const prefixed = openRefreshResponse(responseKey, (await refresh(identity.refresh_token)).text);
    expect(() => JSON.parse(prefixed)).toThrow(SyntaxError);
    expect(prefixed.slice(16)).toContain('"status":"success"');
  });

  it('plainJson sends the unencrypted answer', async () => {
    op.injectFault({ kind: 'plainJson' });
    const res = await generate();
    expect(res.headers['content-type']).toBe('application/json');
    const answer = JSON.parse(res.text) as { body: IdentityBody; status: string };
    expect(answer.status).toBe('success');
    expect(answer.body.refresh_token).toHaveLength(388);
  });

  it('leaves error answers unchanged', async () => {
    op.injectFault({ kind: 'wrongKey', endpoint: 'refresh' });
    expect(await refresh('abc')).toMatchObject({ status: 400 });
    expect(op.pendingFaults()).toEqual([]);
  });
});

describe('connection faults', () => {
  it('delay holds the answer back', async () => {
    op.injectFault({ kind: 'delay', ms: 150 });
    const started = Date.now();
    const res = await generate();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(openIdentity(res).refresh_token).toHaveLength(388);
  });

  it('stall with ms sends half, waits, then completes', async () => {
    op.injectFault({ kind: 'stall', ms: 150 });
    const started = Date.now();
    const res = await generate();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(openIdentity(res).refresh_token).toHaveLength(388);
  });

  it('stall without ms hangs until the client gives up', async () => {
    op.injectFault({ kind: 'stall' });
    await expect(generate({ bodyTimeout: 200 })).rejects.toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
    expect((await generate()).status).toBe(200);
  });

  it('reset destroys the socket before any answer', async () => {
    op.injectFault({ kind: 'reset' });
    await expect(generate()).rejects.toMatchObject({
      code: expect.stringMatching(/^(UND_ERR_SOCKET|ECONNRESET)$/),
    });
    expect((await generate()).status).toBe(200);
  });

  it('truncated promises more bytes than it sends', async () => {
    op.injectFault({ kind: 'truncated' });
    await expect(generate()).rejects.toMatchObject({
      code: expect.stringMatching(/^UND_ERR_(SOCKET|RES_CONTENT_LENGTH_MISMATCH)$/),
    });
  });
});

describe('the queue', () => {
  it('serves faults per endpoint, count times, in order', async () => {
    op.injectFault([
      { kind: 'http503', endpoint: 'refresh', count: 2 },
      { kind: 'http502', endpoint: 'any' },
      { kind: 'http429', endpoint: 'generate' },
    ]);
    expect((await generate()).status).toBe(502);
    expect((await generate()).status).toBe(429);
    expect((await generate()).status).toBe(200);
    expect(op.pendingFaults()).toEqual([{ kind: 'http503', endpoint: 'refresh', count: 2, remaining: 2 }]);
    expect((await refresh('x')).status).toBe(503);
    expect((await refresh('x')).status).toBe(503);
    expect((await refresh('x')).status).toBe(400);
  });

  it('a fault with a rate hits each request independently and stays until cleared', async () => {
    op.injectFault({ kind: 'http503', endpoint: 'generate', rate: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await generate()).status);
    const hits = statuses.filter((status) => status === 503).length;
    // Binomial(60, 0.5): outside 10..50 has probability below 1e-7.
    expect(hits).toBeGreaterThan(10);
    expect(hits).toBeLessThan(50);
    expect(statuses.filter((status) => status !== 503).every((status) => status === 200)).toBe(true);
    expect(op.pendingFaults()).toEqual([
      { kind: 'http503', endpoint: 'generate', rate: 0.5, remaining: Number.POSITIVE_INFINITY },
    ]);
    op.clearFaults();
    expect((await generate()).status).toBe(200);
    op.injectFault({ kind: 'reset', rate: 1, count: 1 });
    expect(op.pendingFaults()).toHaveLength(1);
    await expect(generate()).rejects.toMatchObject({
      code: expect.stringMatching(/^(UND_ERR_SOCKET|ECONNRESET)$/),
    });
    expect(op.pendingFaults()).toEqual([]);
  });

  it('rejects malformed faults', () => {
    expect(() => op.injectFault({ kind: 'http500', rate: 0 })).toThrow(/rate/);
    expect(() => op.injectFault({ kind: 'http500', rate: 1.5 })).toThrow(/rate/);
    expect(() => op.injectFault({ kind: 'explode' } as unknown as FaultSpec)).toThrow(/fault kind/);
    expect(() => op.injectFault({ kind: 'delay' } as unknown as FaultSpec)).toThrow(/needs ms/);
    expect(() => op.injectFault({ kind: 'http500', count: -1 })).toThrow(/count/);
    expect(() => op.injectFault({ kind: 'http500', endpoint: 'map' as 'any' })).toThrow(/endpoint/);
  });

  it('takes faults from the options too', async () => {
    const faulty = await startLocalOperator({ faults: [{ kind: 'http503', endpoint: 'generate' }] });
    try {
      const res = await request(`${faulty.url}/v2/token/generate`, { method: 'POST', body: 'x', dispatcher });
      expect(res.statusCode).toBe(503);
      await res.body.dump();
    } finally {
      await faulty.close();
    }
  });
});
