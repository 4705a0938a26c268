/**
 * examples/fastify against the local operator, through `app.inject`: schema-validated routes, the same
 * answers as the Express example, and the client closed by `app.close()` (onClose).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../examples/fastify/app.mjs';
import { parseIdentity } from '../src/identity.js';
import { type ExampleWorld, startExampleWorld } from './support/examples-world.js';

let world: ExampleWorld;
let app: Awaited<ReturnType<typeof buildApp>>;

const post = async (url: string, payload: string, contentType = 'application/json') => {
  const res = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });
  return { status: res.statusCode, text: res.body, headers: res.headers };
};

beforeAll(async () => {
  world = await startExampleWorld();
  app = await buildApp({ client: world.client });
});
afterAll(async () => {
  await app?.close();
  await world?.close();
});

describe('examples/fastify', () => {
  it('decorates the instance with the one client', () => {
    expect((app as unknown as { uid2: unknown }).uid2).toBe(world.client);
  });

  it('POST /login answers the identity JSON; refresh is current before refresh_from, new after', async () => {
    const login = await post('/login', '{"email":"user@example.com"}');
    expect(login.status).toBe(200);
    expect(login.headers['cache-control']).toBe('no-store');
    const identity = parseIdentity(login.text);
    const refreshes = world.op.stats().byEndpoint.refresh;
    expect(await post('/identity/refresh', login.text)).toMatchObject({ status: 200, text: login.text });
    expect(world.op.stats().byEndpoint.refresh).toBe(refreshes);
    world.op.advanceClock(61 * 60_000);
    const late = await post('/identity/refresh', login.text);
    expect(late.status).toBe(200);
    expect(parseIdentity(late.text).refresh_response_key).not.toBe(identity.refresh_response_key);
    expect(world.op.stats().byEndpoint.refresh).toBe(refreshes + 1);
  });

  it('remembers an opt-out learnt at refresh: the next login sends no generate request', async () => {
    const login = await post('/login', '{"phone":"+00000000002"}');
    expect(login.status).toBe(200);
    world.op.advanceClock(61 * 60_000);
    expect((await post('/identity/refresh', login.text)).text).toBe('{"optout":true}');
    const before = world.generateRequests();
    expect(await post('/login', '{"phone":"+00000000002"}')).toMatchObject({
      status: 200,
      text: '{"optout":true}',
    });
    expect(world.generateRequests()).toBe(before);
  });

  it.each([
    ['no email or phone', '/login', '{}', 'application/json', 400, 'invalid_input'],
    ['both', '/login', '{"email":"a@b.c","phone":"+12345678901"}', 'application/json', 400, 'invalid_input'],
    ['a phone failing the schema', '/login', '{"phone":"555"}', 'application/json', 400, 'invalid_input'],
    [
      'an email the library refuses',
      '/login',
      '{"email":"no-at-sign"}',
      'application/json',
      400,
      'invalid_input',
    ],
    [
      'an identity missing fields',
      '/identity/refresh',
      '{"refresh_token":"x"}',
      'application/json',
      401,
      'sign_in_again',
    ],
    ['malformed JSON', '/login', '{"email"', 'application/json', 400, 'invalid_json'],
    ['not JSON at all', '/login', 'email=a@b.c', 'application/x-www-form-urlencoded', 415, 'json_required'],
    [
      'a body over 16 KB',
      '/login',
      JSON.stringify({ email: 'a'.repeat(20_000) }),
      'application/json',
      413,
      'too_large',
    ],
  ])('bad input: %s -> %i', async (_name, url, payload, contentType, status, error) => {
    const before = world.op.stats().total;
    const res = await post(url, payload, contentType);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.text)).toEqual({ error });
    expect(world.op.stats().total).toBe(before);
  });

  it('operator failing -> 503 with Retry-After', async () => {
    world.op.injectFault({ kind: 'http503', endpoint: 'generate', count: 3 });
    const res = await post('/login', '{"email":"user@example.com"}');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text)).toEqual({ error: 'try_again_later' });
    expect(res.headers['retry-after']).toBe('5');
  });

  it('app.close() closes the client and the store through onClose', async () => {
    const local = await startExampleWorld();
    let storeClosed = false;
    const own = await buildApp({ client: local.client, optOuts: { close: () => (storeClosed = true) } });
    await own.close();
    expect(storeClosed).toBe(true);
    await expect(local.client.generateToken({ email: 'user@example.com' })).rejects.toMatchObject({
      code: 'UID2_CLIENT_CLOSED',
    });
    await local.close();
  });
});
