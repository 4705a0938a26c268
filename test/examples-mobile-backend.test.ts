/**
 * examples/mobile-backend (the demo's back end) beyond the demo's happy path: what the app gets for
 * request mistakes, an early refresh and an operator outage, and what it reports as outcomes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMobileBackend } from '../examples/mobile-backend/server.mjs';
import { type ExampleWorld, startExampleWorld } from './support/examples-world.js';

let world: ExampleWorld;
let backend: Awaited<ReturnType<typeof startMobileBackend>>;
const outcomes: unknown[] = [];

const post = async (path: string, body: string) => {
  const res = await fetch(`${backend.url}${path}`, { method: 'POST', body });
  return { status: res.status, text: await res.text(), headers: res.headers };
};

beforeAll(async () => {
  world = await startExampleWorld();
  backend = await startMobileBackend({
    client: world.client,
    onOutcome: (outcome) => outcomes.push(outcome),
  });
});
afterAll(async () => {
  await backend?.close();
  await world?.close();
});

describe('examples/mobile-backend', () => {
  it('answers request mistakes without calling the operator', async () => {
    const before = world.op.stats().total;
    expect(await post('/login', '{"email":')).toMatchObject({
      status: 400,
      text: '{"error":"invalid_json"}',
    });
    expect(await post('/login', '{}')).toMatchObject({ status: 400, text: '{"error":"invalid_input"}' });
    expect(await post('/login', 'x'.repeat(17 * 1024))).toMatchObject({
      status: 413,
      text: '{"error":"too_large"}',
    });
    expect(await post('/identity/refresh', '[]')).toMatchObject({
      status: 401,
      text: '{"error":"sign_in_again"}',
    });
    expect(await post('/nope', '')).toMatchObject({ status: 404, text: '{"error":"not_found"}' });
    expect(world.op.stats().total).toBe(before);
  });

  it('an early refresh answers the same identity with no request; outcomes hold statuses only', async () => {
    const login = await post('/login', '{"email":"user@example.com"}');
    expect(login.status).toBe(200);
    const refreshes = world.op.stats().byEndpoint.refresh;
    expect(await post('/identity/refresh', login.text)).toMatchObject({ status: 200, text: login.text });
    expect(world.op.stats().byEndpoint.refresh).toBe(refreshes);
    expect(outcomes.slice(-2)).toEqual([
      { route: 'login', status: 'success' },
      { route: 'refresh', status: 'current' },
    ]);
    expect(JSON.stringify(outcomes)).not.toContain('user@example.com');
  });

  it('an operator failing every attempt -> 503 with Retry-After', async () => {
    world.op.injectFault({ kind: 'http503', endpoint: 'generate', count: 3 });
    const res = await post('/login', '{"phone":"+12345678901"}');
    expect(res).toMatchObject({ status: 503, text: '{"error":"try_again_later"}' });
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
