/**
 * The local operator's HTTP surface around the token routes: the 1 MiB limit (413), health check,
 * Vert.x 404/405 and CORS preflights.
 */
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalOperator, startLocalOperator } from '../src/testing/index.js';
import { post } from './support/raw-http.js';

let op: LocalOperator;

beforeAll(async () => {
  op = await startLocalOperator();
});
afterAll(() => op.close());

describe('limits, routing and CORS', () => {
  it('413 for a body over 1 MiB, before auth', async () => {
    const res = await post(op, '/v2/token/generate', Buffer.alloc((1 << 20) + 1, 65), {});
    expect(res.status).toBe(413);
    expect(res.text).toBe('Request Entity Too Large');
  });

  it('413 also for a chunked body without Content-Length, stopping at the limit', async () => {
    const chunks = Readable.from(Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, 65)));
    const res = await request(`${op.url}/v2/token/refresh`, { method: 'POST', body: chunks });
    expect(res.statusCode).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(await res.body.text()).toBe('Request Entity Too Large');
  });

  it('accepts a body of exactly 1 MiB (then fails on it)', async () => {
    const res = await post(op, '/v2/token/generate', Buffer.alloc(1 << 20, 65), {
      authorization: `Bearer ${op.apiKey}`,
    });
    expect(res.status).toBe(400);
  });

  it('health check, 404 and 405', async () => {
    const health = await request(`${op.url}/ops/healthcheck`);
    expect([health.statusCode, await health.body.text()]).toEqual([200, 'OK']);
    const missing = await request(`${op.url}/v1/token/generate`);
    expect(missing.statusCode).toBe(404);
    expect(await missing.body.text()).toBe('<html><body><h1>Resource not found</h1></body></html>');
    const wrong = await request(`${op.url}/v2/token/generate`);
    expect(wrong.statusCode).toBe(405);
    await wrong.body.dump();
  });

  it('answers CORS preflights like the operator', async () => {
    const res = await request(`${op.url}/v2/token/refresh`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-methods']).toBe('GET,POST,OPTIONS');
    expect(String(res.headers['access-control-allow-headers'])).toContain('X-UID2-Client-Version');
    await res.body.dump();
  });
});
