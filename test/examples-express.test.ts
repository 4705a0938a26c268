/**
 * examples/express against the local operator, over real loopback HTTP: what the app gets for each
 * outcome, that an opt-out is remembered in SQLite (no second generate), and the README's table.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../examples/express/server.mjs';
import { answerFor, ERROR_ANSWERS, OUTCOME_ANSWERS } from '../examples/shared/answers.mjs';
import { PublisherClient } from '../src/client.js';
import { UID2_ERROR_CODES, Uid2Error } from '../src/errors.js';
import { parseIdentity } from '../src/identity.js';
import { startLocalOperator } from '../src/testing/index.js';
import { type ExampleWorld, startExampleWorld } from './support/examples-world.js';

let world: ExampleWorld;
let server: Awaited<ReturnType<typeof startServer>>;

const post = async (path: string, body: string, base = server.url) => {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
};

beforeAll(async () => {
  world = await startExampleWorld();
  server = await startServer({ client: world.client, optOuts: { close: () => {} } });
});
afterAll(async () => {
  await server?.stop();
  await world?.close();
});

describe('examples/express', () => {
  it('POST /login answers the identity JSON for the app, exactly as the SDK takes it', async () => {
    const login = await post('/login', '{"email":"user@example.com"}');
    expect(login.status).toBe(200);
    expect(login.headers.get('content-type')).toMatch(/^application\/json/);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const identity = parseIdentity(login.text);
    expect(Object.keys(JSON.parse(login.text))).toEqual(expect.arrayContaining(['refresh_response_key']));
    expect(identity.advertising_token.length).toBeGreaterThan(100);
  });

  it('POST /identity/refresh: current before refresh_from (no request), a new identity after', async () => {
    const login = await post('/login', '{"phone":"+12345678901"}');
    const refreshesBefore = world.op.stats().byEndpoint.refresh;
    const early = await post('/identity/refresh', login.text);
    expect(early).toMatchObject({ status: 200, text: login.text });
    expect(world.op.stats().byEndpoint.refresh).toBe(refreshesBefore);

    world.op.advanceClock(61 * 60_000);
    const late = await post('/identity/refresh', login.text);
    expect(late.status).toBe(200);
    expect(parseIdentity(late.text).refresh_token).not.toBe(parseIdentity(login.text).refresh_token);
    expect(world.op.stats().byEndpoint.refresh).toBe(refreshesBefore + 1);
  });

  it('an opt-out at refresh is remembered for its user: the next login sends no generate request', async () => {
    const login = await post('/login', '{"email":"refresh-optout@example.com"}');
    expect(login.status).toBe(200);
    world.op.advanceClock(61 * 60_000);
    expect(await post('/identity/refresh', login.text)).toMatchObject({
      status: 200,
      text: '{"optout":true}',
    });
    const before = world.generateRequests();
    // Same user, spelled differently: the store keys the normalised DII hash.
    expect(await post('/login', '{"email":"Refresh-Optout@Example.com"}')).toMatchObject({
      status: 200,
      text: '{"optout":true}',
    });
    expect(world.generateRequests()).toBe(before);
  });

  it('an opt-out from generate is remembered too', async () => {
    const first = await post('/login', '{"email":"optout@example.com"}');
    expect(first).toMatchObject({ status: 200, text: '{"optout":true}' });
    const before = world.generateRequests();
    expect((await post('/login', '{"email":"optout@example.com"}')).text).toBe('{"optout":true}');
    expect(world.generateRequests()).toBe(before);
  });

  it('an expired or refused refresh token answers 401 sign_in_again', async () => {
    const login = await post('/login', '{"email":"expiring@example.com"}');
    world.op.advanceClock(31 * 24 * 3600_000);
    expect(await post('/identity/refresh', login.text)).toMatchObject({
      status: 401,
      text: '{"error":"sign_in_again"}',
    });
  });

  it.each([
    ['malformed JSON', '/login', '{"email":', 400, 'invalid_json'],
    ['no email or phone', '/login', '{"name":"x"}', 400, 'invalid_input'],
    ['both email and phone', '/login', '{"email":"a@b.c","phone":"+12345678901"}', 400, 'invalid_input'],
    ['a bad email', '/login', '{"email":"not-an-email"}', 400, 'invalid_input'],
    ['a phone not in E.164', '/login', '{"phone":"555-1234"}', 400, 'invalid_input'],
    ['an identity that is not one', '/identity/refresh', '{"advertising_token":"x"}', 401, 'sign_in_again'],
    ['a body over 16 KB', '/login', JSON.stringify({ email: `${'a'.repeat(20_000)}@b.c` }), 413, 'too_large'],
  ])('bad input: %s -> %i', async (_name, path, body, status, error) => {
    const before = world.op.stats().total;
    const res = await post(path, body);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.text)).toEqual({ error });
    expect(world.op.stats().total).toBe(before);
  });

  it('unknown routes are 404 JSON', async () => {
    expect(await post('/nope', '{}')).toMatchObject({ status: 404, text: '{"error":"not_found"}' });
  });

  it('operator down -> 503 try_again_later with Retry-After', async () => {
    const gone = await startLocalOperator();
    const { url, apiKey, secretKey } = gone;
    await gone.close();
    const client = new PublisherClient({ baseUrl: url, apiKey, secretKey, retries: 1 });
    const logged: string[] = [];
    const down = await startServer({
      client,
      optOuts: { close: () => {} },
      log: (line) => logged.push(line),
    });
    try {
      const res = await post('/login', '{"email":"user@example.com"}', down.url);
      expect(res.status).toBe(503);
      // The server logs the status and the code; never a key, a secret or the email.
      expect(logged).toEqual(['express example: 503 UID2_NETWORK']);
      expect(JSON.parse(res.text)).toEqual({ error: 'try_again_later' });
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      await down.stop();
    }
  });

  it('stop() closes the server, then the client: later calls are refused', async () => {
    const local = await startExampleWorld();
    let closed = false;
    const running = await startServer({ client: local.client, optOuts: { close: () => (closed = true) } });
    expect((await post('/login', '{"email":"user@example.com"}', running.url)).status).toBe(200);
    await running.stop();
    expect(closed).toBe(true);
    await expect(post('/login', '{}', running.url)).rejects.toThrow();
    await expect(local.client.generateToken({ email: 'user@example.com' })).rejects.toMatchObject({
      code: 'UID2_CLIENT_CLOSED',
    });
    await local.close();
  });
});

describe('the outcome-to-HTTP table (examples/express/README.md)', () => {
  const readme = readFileSync(new URL('../examples/express/README.md', import.meta.url), 'utf8');
  const rows = new Map(
    [...readme.matchAll(/^\| `(UID2_[A-Z_]+)` \| (\d{3}) \| `(\{[^`]*\})` \| (\d+ s|–) \|/gm)].map((m) => [
      m[1],
      [Number(m[2]), m[3], m[4] === '–' ? undefined : Number.parseInt(m[4] ?? '', 10)],
    ]),
  );

  it('classes every error code, in the code and in the README alike', () => {
    expect(Object.keys(ERROR_ANSWERS).sort()).toEqual([...UID2_ERROR_CODES].sort());
    for (const code of UID2_ERROR_CODES) {
      const [status, error, retryAfter] = ERROR_ANSWERS[code];
      expect(rows.get(code), code).toEqual([status, JSON.stringify({ error }), retryAfter]);
    }
  });

  it('answers every result status, and nothing else, from the outcome table', () => {
    const identityJson = '{"advertising_token":"A4"}';
    expect(answerFor({ status: 'success', identityJson })).toEqual({ status: 200, body: identityJson });
    expect(answerFor({ status: 'current', identityJson })).toEqual({ status: 200, body: identityJson });
    expect(answerFor({ status: 'optout', remembered: true })).toEqual({
      status: 200,
      body: '{"optout":true}',
    });
    expect(answerFor({ status: 'insufficient_user_consent' })).toEqual({
      status: 200,
      body: '{"consent":false}',
    });
    for (const status of ['expired_token', 'invalid_token'])
      expect(answerFor({ status, detail: 'x' })).toEqual({ status: 401, body: '{"error":"sign_in_again"}' });
    for (const status of Object.keys(OUTCOME_ANSWERS)) expect(readme).toContain(`\`${status}\``);
    // A success without its JSON, an unknown status, a plain Error or nothing: a bug, said as little as possible.
    const internal = { status: 500, body: '{"error":"internal"}' };
    for (const odd of [
      { status: 'success' },
      { status: 'toString' },
      new Error('secret detail'),
      null,
      'optout',
    ])
      expect(answerFor(odd)).toEqual(internal);
    expect(answerFor(new Uid2Error('UID2_RATE_LIMITED', 'm'))).toEqual({
      status: 503,
      body: '{"error":"try_again_later"}',
      retryAfterSeconds: 30,
    });
  });
});
