/**
 * The client's state features against the local operator: opt-out memory (remembered, recorded,
 * rememberOptOut, a failing or slow store never failing a sign-in), single-flight refresh, refreshIfDue,
 * validateToken, warmUp.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DIAGNOSTICS_CHANNELS,
  type Identity,
  MemoryOptOutStore,
  type OptOutStore,
  PublisherClient,
  type PublisherClientOptions,
  type StoreErrorEvent,
  Uid2Error,
} from '../src/index.js';
import {
  generateApiKey,
  generateSecretKey,
  type Lifetimes,
  startLocalOperator,
} from '../src/testing/index.js';
import { useLocalOperator } from './support/operator-fixture.js';

const fixture = useLocalOperator();
const OPTOUT_KEY = Buffer.alloc(32, 8).toString('base64');
const clients: PublisherClient[] = [];

function client(options: Partial<PublisherClientOptions> = {}): PublisherClient {
  const { op, dispatcher } = fixture;
  const made = new PublisherClient({
    baseUrl: op.url,
    apiKey: op.apiKey,
    secretKey: op.secretKey,
    dispatcher,
    ...options,
  });
  clients.push(made);
  return made;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function identityFor(c: PublisherClient, email: string): Promise<Identity> {
  const result = await c.generateToken({ email });
  if (result.status !== 'success') throw new Error(`expected success, got ${result.status}`);
  return result.identity;
}

describe('opt-out memory', () => {
  it('a fresh optout is recorded; the next sign-in of that DII (any gmail spelling) sends no request', async () => {
    const c = client({ optOuts: new MemoryOptOutStore({ key: OPTOUT_KEY }) });
    fixture.op.optOut({ email: 'jane.doe@gmail.com' });
    expect(await c.generateToken({ email: 'jane.doe@gmail.com' })).toEqual({
      status: 'optout',
      remembered: false,
    });
    const before = fixture.op.stats().byEndpoint.generate;
    for (const email of ['JaneDoe@gmail.com', 'j.a.n.e.doe+news@GMAIL.com']) {
      expect(await c.generateToken({ email })).toEqual({ status: 'optout', remembered: true });
    }
    expect(fixture.op.stats().byEndpoint.generate).toBe(before);
    expect((await c.generateToken({ email: 'someone.else@gmail.com' })).status).toBe('success');
  });

  it('rememberOptOut records a DII explicitly; without a store it is UID2_INVALID_CONFIG', async () => {
    const c = client({ optOuts: new MemoryOptOutStore({ key: OPTOUT_KEY }) });
    await c.rememberOptOut({ phone: '+12345678901' });
    expect(await c.generateToken({ phone: '+12345678901' })).toEqual({ status: 'optout', remembered: true });
    expect(fixture.op.stats().byEndpoint.generate).toBe(0);
    await expect(client().rememberOptOut({ email: 'a@b.com' })).rejects.toMatchObject({
      code: 'UID2_INVALID_CONFIG',
    });
    await expect(c.rememberOptOut({ email: 'not-an-email' })).rejects.toMatchObject({
      code: 'UID2_INVALID_INPUT',
    });
  });

  it('a store that throws, rejects or hangs never fails a sign-in: the operator answers, the failure is published', async () => {
    const events: StoreErrorEvent[] = [];
    const listen = (event: unknown) => events.push(event as StoreErrorEvent);
    subscribe(DIAGNOSTICS_CHANNELS.storeError, listen);
    try {
      const broken: OptOutStore[] = [
        {
          has: () => {
            throw new Error('boom');
          },
          add: () => {
            throw new Error('boom');
          },
        },
        { has: () => Promise.reject(new Error('down')), add: () => Promise.reject(new Error('down')) },
        { has: () => new Promise<boolean>(() => {}), add: () => new Promise<void>(() => {}) },
      ];
      for (const store of broken) {
        const c = client({ optOuts: store, optOutTimeoutMs: 50 });
        expect((await c.generateToken({ email: 'user@example.com' })).status).toBe('success');
        expect(await c.generateToken({ email: 'optout@example.com' })).toEqual({
          status: 'optout',
          remembered: false,
        });
        await expect(c.rememberOptOut({ email: 'x@example.com' })).rejects.toMatchObject({
          code: 'UID2_NETWORK',
        });
      }
      expect(events.map((e) => `${e.operation}:${e.reason}`)).toEqual(
        expect.arrayContaining(['has:error', 'add:error', 'has:timeout', 'add:timeout']),
      );
      expect(JSON.stringify(events)).not.toContain('user@example.com');
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.storeError, listen);
    }
  });
});

describe('single-flight refresh and refreshIfDue', () => {
  it('100 concurrent refreshes of one identity reach the operator once and share one result', async () => {
    const c = client();
    const identity = await identityFor(c, 'user@example.com');
    const results = await Promise.all(Array.from({ length: 100 }, () => c.refreshToken(identity)));
    expect(fixture.op.stats().byEndpoint.refresh).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]?.status).toBe('success');
  });

  it('an abort by one caller does not abort the others', async () => {
    const c = client();
    const identity = await identityFor(c, 'user@example.com');
    fixture.op.injectFault({ kind: 'delay', ms: 200, endpoint: 'refresh' });
    const controller = new AbortController();
    const aborted = c.refreshToken(identity, { signal: controller.signal });
    const others = Array.from({ length: 5 }, () => c.refreshToken(identity));
    setTimeout(() => controller.abort(), 50);
    await expect(aborted).rejects.toMatchObject({ code: 'UID2_ABORTED' });
    for (const result of await Promise.all(others)) expect(result.status).toBe('success');
    expect(fixture.op.stats().byEndpoint.refresh).toBe(1);
  });

  it('refreshIfDue answers current without a request until refresh_from, then refreshes', async () => {
    const c = client();
    const identity = await identityFor(c, 'user@example.com');
    const current = await c.refreshIfDue(identity);
    expect(current.status).toBe('current');
    expect(current.status === 'current' && current.identityJson).toBe(JSON.stringify(identity));
    expect(fixture.op.stats().byEndpoint.refresh).toBe(0);
    const { lifetimes } = fixture.op.describe() as { lifetimes: Lifetimes };
    fixture.op.advanceClock(lifetimes.refreshFromSeconds * 1000 + 1000);
    const later = new PublisherClient({
      baseUrl: fixture.op.url,
      apiKey: fixture.op.apiKey,
      secretKey: fixture.op.secretKey,
      dispatcher: fixture.dispatcher,
      now: () => Date.now() + lifetimes.refreshFromSeconds * 1000 + 1000,
    });
    clients.push(later);
    expect((await later.refreshIfDue(identity)).status).toBe('success');
    expect(fixture.op.stats().byEndpoint.refresh).toBe(1);
  });
});

describe('validateToken', () => {
  it('match, mismatch, garbage, and every input error before any request', async () => {
    const c = client();
    const identity = await identityFor(c, 'validate@example.com');
    expect(await c.validateToken(identity.advertising_token, { email: 'validate@example.com' })).toEqual({
      status: 'match',
    });
    expect(await c.validateToken(identity.advertising_token, { email: 'someone@example.com' })).toEqual({
      status: 'mismatch',
    });
    const garbage = await c.validateToken(`A4AAAQ${'x'.repeat(200)}`, { email: 'validate@example.com' });
    expect(garbage.status).toBe('invalid_token');
    expect(garbage.detail).toBe('Invalid token');
    const before = fixture.op.stats().byEndpoint.validate;
    for (const [token, input] of [
      ['', { email: 'a@b.com' }],
      ['not base64!', { email: 'a@b.com' }],
      ['x'.repeat(5000), { email: 'a@b.com' }],
      [identity.advertising_token, { email: 'bad' }],
      [identity.advertising_token, { email: 'a@b.com', phone: '+12345678901' }],
      [identity.advertising_token, { email: 'a@b.com', tcfConsentString: 'CP' }],
      [identity.advertising_token, null],
    ] as const) {
      const err = await c.validateToken(token, input as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Uid2Error);
      expect((err as Uid2Error).code).toBe('UID2_INVALID_INPUT');
    }
    expect(fixture.op.stats().byEndpoint.validate).toBe(before);
  });

  it("another client's token is not_owner", async () => {
    const one = { apiKey: generateApiKey('uid2', 101), secretKey: generateSecretKey(), siteId: 101 };
    const two = { apiKey: generateApiKey('uid2', 202), secretKey: generateSecretKey(), siteId: 202 };
    const other = await startLocalOperator({ clients: [one, two] });
    try {
      const first = new PublisherClient({ baseUrl: other.url, apiKey: one.apiKey, secretKey: one.secretKey });
      const second = new PublisherClient({
        baseUrl: other.url,
        apiKey: two.apiKey,
        secretKey: two.secretKey,
      });
      clients.push(first, second);
      const identity = await identityFor(first, 'user@example.com');
      expect(await first.validateToken(identity.advertising_token, { email: 'user@example.com' })).toEqual({
        status: 'match',
      });
      expect(await second.validateToken(identity.advertising_token, { email: 'user@example.com' })).toEqual({
        status: 'not_owner',
        detail: 'Unauthorised to validate token',
      });
    } finally {
      await other.close();
    }
  });
});

describe('warmUp', () => {
  it('opens connections before the first call (the operator sees health checks), and rejects after close', async () => {
    const c = client();
    await c.warmUp({ connections: 2 });
    expect(fixture.op.stats().byEndpoint.healthcheck).toBe(2);
    await c.close();
    await expect(c.warmUp()).rejects.toMatchObject({ code: 'UID2_CLIENT_CLOSED' });
  });

  it("warmUp: true also keeps warm at the pace of the operator's Keep-Alive hint", async () => {
    // The local operator (node:http) hints timeout=5: undici keeps an idle socket 3 s, so a check every 1.5 s.
    client({ warmUp: true });
    await vi.waitFor(() => expect(fixture.op.stats().byEndpoint.healthcheck).toBe(2));
    await vi.waitFor(() => expect(fixture.op.stats().byEndpoint.healthcheck).toBe(3), { timeout: 4_000 });
  });

  it('warmUp: true connects at construction; keepWarmMs sends a health check only while idle', async () => {
    client({ warmUp: true, keepWarmMs: 0 });
    await vi.waitFor(() => expect(fixture.op.stats().byEndpoint.healthcheck).toBe(2));
    const idle = client({ keepWarmMs: 40 });
    await vi.waitFor(() => expect(fixture.op.stats().byEndpoint.healthcheck).toBeGreaterThanOrEqual(3), {
      timeout: 2_000,
    });
    await idle.close();
    const after = fixture.op.stats().byEndpoint.healthcheck;
    await new Promise((r) => setTimeout(r, 150));
    expect(fixture.op.stats().byEndpoint.healthcheck).toBe(after);
  });
});
