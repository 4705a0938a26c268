/**
 * The local operator's controls: the `/_local/*` HTTP API, statistics, clock, lifetimes, options
 * validation and `close()` with a stalled connection.
 */
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { openGenerateResponse, sealRequestEnvelope } from '../src/envelope.js';
import { decodeSecretKey } from '../src/keys.js';
import { type IdentityBody, startLocalOperator } from '../src/testing/index.js';
import { useLocalOperator } from './support/operator-fixture.js';

// Faults, clock, opt-outs and statistics are reset after every test by the fixture.
const fixture = useLocalOperator();

async function control(method: 'GET' | 'POST', path: string, body?: unknown, target = fixture.op) {
  const res = await request(`${target.url}/_local/${path}`, {
    method,
    dispatcher: fixture.dispatcher,
    // Control POSTs must be JSON (the CSRF guard); GETs need no Content-Type.
    headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    text,
    json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

async function generate(headers: Record<string, string> = {}, query = '') {
  const { op, dispatcher } = fixture;
  const key = decodeSecretKey(op.secretKey);
  const { bytes, nonce } = sealRequestEnvelope(key, '{"email":"user@example.com"}');
  const res = await request(`${op.url}/v2/token/generate${query}`, {
    method: 'POST',
    body: bytes.toString('base64'),
    headers: { authorization: `Bearer ${op.apiKey}`, ...headers },
    dispatcher,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) return { status: res.statusCode, text };
  const answer = JSON.parse(openGenerateResponse(key, text, nonce).json) as {
    body?: IdentityBody;
    status: string;
  };
  return { status: res.statusCode, text, answer };
}

describe('HTTP control route', () => {
  it('queues faults and lists them in /_local/state', async () => {
    const queued = await control('POST', 'faults', [
      { kind: 'http503', endpoint: 'generate' },
      { kind: 'delay', ms: 1 },
    ]);
    expect(queued.status).toBe(200);
    expect(queued.json.pending).toEqual([
      { kind: 'http503', endpoint: 'generate', remaining: 1 },
      { kind: 'delay', ms: 1, remaining: 1 },
    ]);
    const state = await control('GET', 'state');
    expect(state.json).toMatchObject({ scope: 'uid2', clockOffsetMs: 0, optOutCount: 0 });
    expect((state.json.pendingFaults as unknown[]).length).toBe(2);
    expect(state.text).not.toContain(fixture.op.apiKey);
    expect(state.text).not.toContain(fixture.op.secretKey);
    expect((await generate()).status).toBe(503);
    expect((await control('POST', 'faults/clear')).json).toEqual({ pending: [] });
    expect((await generate()).status).toBe(200);
  });

  it('moves the clock', async () => {
    const set = await control('POST', 'clock', { offsetMs: 60_000 });
    expect(set.json.clockOffsetMs).toBe(60_000);
    const advanced = await control('POST', 'clock', { advanceMs: 70_000 });
    expect(advanced.json.clockOffsetMs).toBe(130_000);
    expect(advanced.json.now as number).toBeGreaterThan(Date.now() + 129_000);
    // 130 s ahead of this process: requests are now too old, and the Date header shows the shift.
    expect((await generate()).text).toContain('Invalid timestamp');
    const health = await request(`${fixture.op.url}/ops/healthcheck`, { dispatcher: fixture.dispatcher });
    await health.body.dump();
    const shown = Date.parse(String(health.headers.date));
    expect(Math.abs(shown - (Date.now() + 130_000))).toBeLessThan(2_000);
    await control('POST', 'clock', { offsetMs: 0 });
    expect((await generate()).status).toBe(200);
  });

  it('opts identities out and clears the list', async () => {
    expect((await control('POST', 'optout', { email: 'User@Example.com' })).json).toEqual({ optedOut: true });
    expect((await generate()).answer).toEqual({ status: 'optout' });
    expect((await control('GET', 'state')).json.optOutCount).toBe(1);
    expect((await control('POST', 'optout/clear')).json).toEqual({ optedOut: false });
    expect((await control('GET', 'state')).json.optOutCount).toBe(0);
    expect((await generate()).answer?.status).toBe('success');
  });

  it('rotates the refresh key', async () => {
    const before = (await control('GET', 'state')).json.refreshKeyId as number;
    const rotated = await control('POST', 'refresh-key/rotate', { keepOld: true });
    expect(rotated.json.refreshKeyId).not.toBe(before);
    expect(rotated.json.refreshKeyIds).toEqual([before, rotated.json.refreshKeyId]);
    expect((await control('POST', 'refresh-key/rotate', { keepOld: 'yes' })).json).toEqual({
      message: 'keepOld must be a boolean',
      status: 'client_error',
    });
    const dropped = await control('POST', 'refresh-key/rotate');
    expect(dropped.json.refreshKeyIds).toEqual([dropped.json.refreshKeyId]);
  });

  it('changes lifetimes for new identities', async () => {
    try {
      const res = await control('POST', 'lifetimes', { refreshFromSeconds: 10, identityExpiresSeconds: 20 });
      expect(res.json.lifetimes).toEqual({
        refreshFromSeconds: 10,
        identityExpiresSeconds: 20,
        refreshExpiresSeconds: 2_592_000,
      });
      const body = (await generate()).answer?.body as IdentityBody;
      expect(body.identity_expires - body.refresh_from).toBe(10_000);
      expect(body.refresh_expires - body.identity_expires).toBe(2_592_000_000 - 20_000);
    } finally {
      fixture.op.setLifetimes({ refreshFromSeconds: 3600, identityExpiresSeconds: 259_200 });
    }
  });

  it('answers bad input with the operator error shape, unknown paths with 404 and 405', async () => {
    const explode = await control('POST', 'faults', { kind: 'explode' });
    expect(explode.status).toBe(400);
    expect(explode.json).toEqual({
      message: expect.stringMatching(/^fault kind must be one of delay, stall, /),
      status: 'client_error',
    });
    expect(fixture.op.pendingFaults()).toEqual([]);
    expect(await control('POST', 'clock', '{nope')).toMatchObject({
      status: 400,
      json: { message: 'the request body is not valid JSON', status: 'client_error' },
    });
    expect(fixture.op.clockOffsetMs).toBe(0);
    expect((await control('POST', 'clock', { offsetMs: 'soon' })).json).toEqual({
      message: 'offsetMs must be an integer',
      status: 'client_error',
    });
    expect(await control('POST', 'optout', { email: 'bad' })).toMatchObject({
      status: 400,
      json: { message: 'identifier email is not valid', status: 'client_error' },
    });
    expect(await control('POST', 'lifetimes', { refreshFromSeconds: 10 ** 9 })).toMatchObject({
      status: 400,
      json: { message: expect.stringContaining('refreshExpiresSeconds >= identityExpiresSeconds') },
    });
    expect(await control('GET', 'nothing')).toMatchObject({
      status: 404,
      text: '<html><body><h1>Resource not found</h1></body></html>',
    });
    expect(await control('GET', 'clock')).toMatchObject({ status: 405, text: '' });
  });

  it('can be switched off', async () => {
    const quiet = await startLocalOperator({ controlRoute: false });
    try {
      expect(await control('GET', 'state', undefined, quiet)).toMatchObject({
        status: 404,
        text: '<html><body><h1>Resource not found</h1></body></html>',
      });
    } finally {
      await quiet.close();
    }
  });
});

describe('statistics', () => {
  it('counts by endpoint, status and client version, without secrets, and resets', async () => {
    await control('POST', 'stats/reset');
    await generate({ 'x-uid2-client-version': 'java-uid2-client-4.9.0' });
    await generate({}, '?client=tvos-1.2.3');
    await generate({ authorization: 'Bearer nope' });
    const health = await request(`${fixture.op.url}/ops/healthcheck`, { dispatcher: fixture.dispatcher });
    await health.body.dump();
    const refresh = await request(`${fixture.op.url}/v2/token/refresh`, {
      method: 'POST',
      body: 'x',
      dispatcher: fixture.dispatcher,
    });
    await refresh.body.dump();
    const missing = await request(`${fixture.op.url}/nope`, { dispatcher: fixture.dispatcher });
    await missing.body.dump();
    const stats = fixture.op.stats();
    expect(stats).toEqual({
      total: 6,
      byEndpoint: { generate: 3, refresh: 1, validate: 0, healthcheck: 1, other: 1 },
      byStatus: { '200': 3, '401': 1, '400': 1, '404': 1 },
      byClientVersion: { 'java-uid2-client-4.9.0': 1, 'tvos-1.2.3': 1, '(none)': 4 },
    });
    const overHttp = await control('GET', 'stats');
    expect(overHttp.json).toEqual(stats);
    expect(overHttp.text).not.toContain(fixture.op.apiKey);
    expect((await control('POST', 'stats/reset')).json).toMatchObject({ total: 0, byStatus: {} });
    fixture.op.resetStats();
    expect(fixture.op.stats().total).toBe(0);
  });
});

describe('options and lifecycle', () => {
  it('validates lifetimes and clients', async () => {
    await expect(startLocalOperator({ lifetimes: { refreshFromSeconds: 10 ** 7 } })).rejects.toMatchObject({
      code: 'UID2_INVALID_CONFIG',
    });
    await expect(
      startLocalOperator({ clients: [{ apiKey: 'k', secretKey: 'short' }] }),
    ).rejects.toMatchObject({
      code: 'UID2_INVALID_CONFIG',
    });
    await expect(startLocalOperator({ clients: [] })).rejects.toMatchObject({ code: 'UID2_INVALID_CONFIG' });
    await expect(startLocalOperator({ optOut: [{ phone: '555' }] })).rejects.toMatchObject({
      code: 'UID2_INVALID_INPUT',
    });
  });

  it('listens on 127.0.0.1 and close() ends stalled connections at once', async () => {
    const stalled = await startLocalOperator({ faults: [{ kind: 'stall' }] });
    expect(stalled.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const pending = request(`${stalled.url}/v2/token/refresh`, {
      method: 'POST',
      body: 'x',
      dispatcher: fixture.dispatcher,
    }).then((res) => res.body.text());
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await stalled.close();
    // The socket is destroyed under the half-sent body: undici reports the closed socket.
    await expect(pending).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(Date.now() - started).toBeLessThan(1000);
    await stalled.close();
  });

  it('uses the injected clock', async () => {
    const fixed = await startLocalOperator({ now: () => 1_700_000_000_000 });
    try {
      fixed.advanceClock(5);
      expect(fixed.now()).toBe(1_700_000_000_005);
      expect(fixed.clockOffsetMs).toBe(5);
    } finally {
      await fixed.close();
    }
  });
});
