/**
 * The client end to end over real loopback HTTP against the local operator: every outcome and code of
 * issue 2's acceptance list.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  CLIENT_VERSION_HEADER,
  DIAGNOSTICS_CHANNELS,
  type Identity,
  isDueForRefresh,
  PublisherClient,
  type PublisherClientOptions,
} from '../src/index.js';
import { checkMobileIdentity, type LocalOperator, startLocalOperator } from '../src/testing/index.js';
import { OPERATOR_IDENTITY_FIELDS } from './support/identity-fields.js';
import { TEST_TLS } from './support/operator-fixture.js';

let op: LocalOperator;
let client: PublisherClient;
let trusting: Agent | undefined;
const clients: PublisherClient[] = [];

function clientFor(options: Partial<PublisherClientOptions> = {}): PublisherClient {
  const made = new PublisherClient({
    baseUrl: op.url,
    apiKey: op.apiKey,
    secretKey: op.secretKey,
    ...(trusting === undefined ? {} : { dispatcher: trusting }),
    ...options,
  });
  clients.push(made);
  return made;
}

async function issued(input: Parameters<PublisherClient['generateToken']>[0]): Promise<Identity> {
  const result = await client.generateToken(input);
  if (result.status !== 'success') throw new Error(`expected success, got ${result.status}`);
  return result.identity;
}

// UID2_TEST_TLS=1 runs this whole suite over HTTPS against the TLS local operator (.ci/run does once).
beforeAll(async () => {
  op = await startLocalOperator(TEST_TLS ? { tls: true } : {});
  trusting = op.ca === undefined ? undefined : new Agent({ connect: { ca: op.ca } });
  client = clientFor();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await trusting?.close();
  await op.close();
});

describe('generate', () => {
  it('success: a flat identity JSON that meets the mobile contract, sent with our version header', async () => {
    op.resetStats();
    const result = await client.generateToken({ email: 'user@example.com' });
    expect(result.status).toBe('success');
    if (result.status !== 'success') return;
    expect(checkMobileIdentity(result.identityJson, Date.now())).toEqual([]);
    expect(Object.keys(JSON.parse(result.identityJson))).toEqual(OPERATOR_IDENTITY_FIELDS);
    expect(result.identity.advertising_token).toMatch(/^A4/);
    expect(result.identity.refresh_token).toHaveLength(388);
    expect(op.stats().byClientVersion).toEqual({ [CLIENT_VERSION_HEADER]: 1 });
  });

  it('accepts phone, email hash, hex phone hash; phones give B4 tokens', async () => {
    expect((await issued({ phone: '+12345678901' })).advertising_token).toMatch(/^B4/);
    expect(
      (await issued({ emailHash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' })).advertising_token,
    ).toMatch(/^A4/);
    const hexPhone = Buffer.from('EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=', 'base64').toString('hex');
    expect((await issued({ phoneHash: hexPhone })).advertising_token).toMatch(/^B4/);
  });

  it('optout for optout@example.com, +00000000000 and an opted-out hash; success for the refresh-optout users', async () => {
    expect(await client.generateToken({ email: 'optout@example.com' })).toEqual({
      status: 'optout',
      remembered: false,
    });
    expect(await client.generateToken({ phone: '+00000000000' })).toEqual({
      status: 'optout',
      remembered: false,
    });
    expect(await client.generateToken({ emailHash: 'DYsnJ8r5+cjRDHue98gIGDKvLIMuqAm/RRLODrjqK50=' })).toEqual(
      { status: 'optout', remembered: false },
    );
    expect((await client.generateToken({ email: 'refresh-optout@example.com' })).status).toBe('success');
    expect((await client.generateToken({ phone: '+00000000002' })).status).toBe('success');
  });

  it('invalid input throws UID2_INVALID_INPUT and the operator sees no request', async () => {
    op.resetStats();
    for (const input of [{ email: 'nope' }, { phone: '1 (234) 567-8901' }, { emailHash: 'abc' }, {}]) {
      await expect(client.generateToken(input as never)).rejects.toMatchObject({
        code: 'UID2_INVALID_INPUT',
      });
    }
    expect(op.stats().total).toBe(0);
  });
});

describe('refresh', () => {
  it('success with a new refresh_response_key each time; chained refreshes work', async () => {
    let identity = await issued({ email: 'chain@example.com' });
    const keys = new Set([identity.refresh_response_key]);
    for (let i = 0; i < 3; i++) {
      const result = await client.refreshToken(identity);
      expect(result.status).toBe('success');
      if (result.status !== 'success') return;
      expect(checkMobileIdentity(result.identityJson, Date.now())).toEqual([]);
      identity = result.identity;
      keys.add(identity.refresh_response_key);
    }
    expect(keys.size).toBe(4);
  });

  it('accepts the identity JSON string as well as the object', async () => {
    const result = await client.generateToken({ email: 'string@example.com' });
    if (result.status !== 'success') throw new Error('setup');
    expect((await client.refreshToken(result.identityJson)).status).toBe('success');
  });

  it('optout for refresh-optout@example.com and +00000000002', async () => {
    for (const input of [{ email: 'refresh-optout@example.com' }, { phone: '+00000000002' }]) {
      const identity = await issued(input);
      expect(await client.refreshToken(identity)).toEqual({ status: 'optout' });
    }
  });

  it('optout after the identity is opted out at the operator', async () => {
    const identity = await issued({ email: 'later-gone@example.com' });
    op.optOut({ email: 'later-gone@example.com' });
    expect(await client.refreshToken(identity)).toEqual({ status: 'optout' });
  });

  it('expired_token from the operator when its clock is past refresh_expires', async () => {
    const identity = await issued({ email: 'expires@example.com' });
    const local = await startLocalOperator();
    try {
      const token = local.craftRefreshToken({ expiresAt: local.now() - 1 });
      const own = new PublisherClient({
        baseUrl: local.url,
        apiKey: local.apiKey,
        secretKey: local.secretKey,
      });
      const result = await own.refreshToken({
        ...identity,
        refresh_token: token.refreshToken,
        refresh_response_key: token.refreshResponseKey,
      });
      await own.close();
      expect(result).toEqual({ status: 'expired_token', detail: 'Expired Token presented' });
    } finally {
      await local.close();
    }
  });

  it('expired_token without a request when refresh_expires has passed locally', async () => {
    const identity = await issued({ email: 'local-expiry@example.com' });
    op.resetStats();
    const result = await client.refreshToken({ ...identity, refresh_expires: Date.now() - 60_000 });
    expect(result.status).toBe('expired_token');
    expect(op.stats().total).toBe(0);
  });

  it('invalid_token for a tampered token, a token of another operator, and a rotated-out key', async () => {
    const identity = await issued({ email: 'tamper@example.com' });
    const chars = identity.refresh_token.split('');
    chars[100] = chars[100] === 'A' ? 'B' : 'A';
    const tampered = await client.refreshToken({ ...identity, refresh_token: chars.join('') });
    expect(tampered).toEqual({
      status: 'invalid_token',
      detail: 'Invalid data: Check encryption method and encryption key.',
    });

    const bad = op.craftRefreshToken({ innerToken: 'not a token' });
    const invalidInner = await client.refreshToken({
      ...identity,
      refresh_token: bad.refreshToken,
      refresh_response_key: bad.refreshResponseKey,
    });
    expect(invalidInner).toEqual({ status: 'invalid_token', detail: 'Invalid Token presented' });

    const other = await startLocalOperator();
    const foreign = new PublisherClient({
      baseUrl: other.url,
      apiKey: other.apiKey,
      secretKey: other.secretKey,
    });
    const result = await foreign.refreshToken(identity);
    await foreign.close();
    await other.close();
    expect(result.status).toBe('invalid_token');

    const rotated = await issued({ email: 'rotated@example.com' });
    op.rotateRefreshKey();
    const afterRotation = await client.refreshToken(rotated);
    expect(afterRotation.status).toBe('invalid_token');
    expect(afterRotation.status === 'invalid_token' && afterRotation.detail).toMatch(
      /^Invalid key: Generator of this token \(Key ID: \d+\) does not exist\.$/,
    );
  });

  it('a non-identity argument is UID2_INVALID_INPUT before any request', async () => {
    op.resetStats();
    await expect(client.refreshToken('{"status":"success","body":{}}')).rejects.toMatchObject({
      code: 'UID2_INVALID_INPUT',
    });
    await expect(client.refreshToken({} as Identity)).rejects.toMatchObject({ code: 'UID2_INVALID_INPUT' });
    expect(op.stats().total).toBe(0);
  });
});

describe('operator refusals and faults', () => {
  it('401 gives UID2_UNAUTHORIZED', async () => {
    const stranger = clientFor({ apiKey: 'UID2-C-L-999-abcdef.0123456789012345678901234567890123456=' });
    await expect(stranger.generateToken({ email: 'user@example.com' })).rejects.toMatchObject({
      code: 'UID2_UNAUTHORIZED',
      httpStatus: 401,
      operatorStatus: 'unauthorized',
      attempts: 1,
    });
  });

  it('a wrong secret gives UID2_BAD_CLIENT_SECRET with the operator message', async () => {
    const wrong = clientFor({ secretKey: Buffer.alloc(32, 1).toString('base64') });
    const error = await wrong.generateToken({ email: 'user@example.com' }).catch((err: unknown) => err);
    expect(error).toMatchObject({
      code: 'UID2_BAD_CLIENT_SECRET',
      httpStatus: 400,
      operatorStatus: 'client_error',
    });
    expect((error as { operatorMessage: string }).operatorMessage).toMatch(
      /^Invalid body: Check encryption key \(ClientSecret\)\./,
    );
  });

  it('a clock ten minutes off is corrected from the Date header, and the skew reported', async () => {
    const skewed = clientFor({ now: () => Date.now() - 10 * 60_000 });
    expect((await skewed.generateToken({ email: 'user@example.com' })).status).toBe('success');
    expect(Math.abs(skewed.clockOffsetMs - 10 * 60_000)).toBeLessThan(3_000);
    // Once learned, the next call needs no correction.
    op.resetStats();
    expect((await skewed.generateToken({ email: 'user@example.com' })).status).toBe('success');
    expect(op.stats().byStatus).toEqual({ '200': 1 });
  });

  it('a skew that cannot be corrected gives UID2_CLOCK_SKEW', async () => {
    // The operator's clock jumps ten minutes at every attempt, so no learned offset can catch up.
    const jump = () => op.advanceClock(10 * 60_000);
    subscribe(DIAGNOSTICS_CHANNELS.requestStart, jump);
    const before = op.clockOffsetMs;
    try {
      const fresh = clientFor();
      await expect(fresh.generateToken({ email: 'user@example.com' })).rejects.toMatchObject({
        code: 'UID2_CLOCK_SKEW',
        httpStatus: 400,
        attempts: 2,
      });
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.requestStart, jump);
      op.setClockOffset(before);
    }
  });

  it('5xx after every retry gives UID2_SERVER_ERROR with attempts', async () => {
    op.injectFault({ kind: 'http500', count: 3 });
    await expect(client.generateToken({ email: 'user@example.com' })).rejects.toMatchObject({
      code: 'UID2_SERVER_ERROR',
      httpStatus: 500,
      operatorStatus: 'unknown',
      attempts: 3,
      retryable: true,
    });
  });

  it('a slow operator gives UID2_TIMEOUT within the deadline', async () => {
    op.injectFault({ kind: 'delay', ms: 3_000, count: 5 });
    const slow = clientFor({ timeoutMs: 300 });
    const started = performance.now();
    await expect(slow.generateToken({ email: 'user@example.com' })).rejects.toMatchObject({
      code: 'UID2_TIMEOUT',
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    op.clearFaults();
  });

  it('an oversized body gives UID2_RESPONSE_TOO_LARGE', async () => {
    op.injectFault({ kind: 'oversized' });
    await expect(client.generateToken({ email: 'user@example.com' })).rejects.toMatchObject({
      code: 'UID2_RESPONSE_TOO_LARGE',
    });
  });

  it('a garbage body gives UID2_DECRYPT_FAILED and a wrong nonce UID2_NONCE_MISMATCH', async () => {
    op.injectFault({ kind: 'notBase64' });
    await expect(client.generateToken({ email: 'user@example.com' })).rejects.toMatchObject({
      code: 'UID2_DECRYPT_FAILED',
      attempts: 1,
    });
    op.injectFault({ kind: 'wrongNonce' });
    await expect(client.generateToken({ email: 'user@example.com' })).rejects.toMatchObject({
      code: 'UID2_NONCE_MISMATCH',
      attempts: 1,
    });
  });

  it('diagnostics_channel reports every attempt: endpoint, attempt, status or code, duration, offset', async () => {
    const events: unknown[] = [];
    const record = (event: unknown) => events.push(event);
    subscribe(DIAGNOSTICS_CHANNELS.requestStart, record);
    subscribe(DIAGNOSTICS_CHANNELS.requestEnd, record);
    try {
      op.injectFault({ kind: 'reset', endpoint: 'generate' });
      await client.generateToken({ email: 'observed@example.com' });
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.requestStart, record);
      unsubscribe(DIAGNOSTICS_CHANNELS.requestEnd, record);
    }
    expect(events).toEqual([
      { endpoint: 'generate', attempt: 1 },
      {
        endpoint: 'generate',
        attempt: 1,
        errorCode: 'UID2_NETWORK',
        durationMs: expect.any(Number),
        clockOffsetMs: expect.any(Number),
      },
      { endpoint: 'generate', attempt: 2 },
      {
        endpoint: 'generate',
        attempt: 2,
        httpStatus: 200,
        durationMs: expect.any(Number),
        clockOffsetMs: expect.any(Number),
      },
    ]);
  });

  it('a refreshed identity is due again only after its own refresh_from', async () => {
    const identity = await issued({ email: 'due@example.com' });
    expect(isDueForRefresh(identity)).toBe(false);
    expect(isDueForRefresh(identity, identity.refresh_from + 1)).toBe(true);
  });
});
