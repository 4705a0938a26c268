/**
 * Secret hygiene: across every error path and result, no API key, secret, token, refresh key or raw
 * DII appears in messages, stacks, JSON.stringify, util.inspect, or diagnostics payloads.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIAGNOSTICS_CHANNELS,
  type GenerateResult,
  hashEmail,
  type Identity,
  PublisherClient,
  type PublisherClientOptions,
  parseIdentity,
  type RefreshResult,
  UID2_ERROR_CODES,
  Uid2Error,
} from '../src/index.js';
import { FAULT_KINDS, type FaultSpec, type LocalOperator, startLocalOperator } from '../src/testing/index.js';

const EMAIL = 'very.private.person@example.com';
const PHONE = '+15551234567';
let op: LocalOperator;
const secrets = new Set<string>();
const errors: unknown[] = [];
const results: (GenerateResult | RefreshResult)[] = [];
const events: unknown[] = [];
const clients: PublisherClient[] = [];
const record = (message: unknown) => events.push(message);

function clientFor(options: Partial<PublisherClientOptions> = {}): PublisherClient {
  const made = new PublisherClient({
    baseUrl: op.url,
    apiKey: op.apiKey,
    secretKey: op.secretKey,
    retries: 0,
    ...options,
  });
  clients.push(made);
  return made;
}

function remember(identity: Identity): Identity {
  for (const key of ['advertising_token', 'refresh_token', 'refresh_response_key'] as const) {
    const value = identity[key];
    if (typeof value === 'string') secrets.add(value);
  }
  return identity;
}

async function failure(promise: Promise<unknown>): Promise<void> {
  try {
    const value = await promise;
    results.push(value as GenerateResult);
  } catch (err) {
    errors.push(err);
  }
}

function failureSync(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    errors.push(err);
  }
}

// Every path is exercised once, before the checks, so that each check below can also run alone.
beforeAll(async () => {
  subscribe(DIAGNOSTICS_CHANNELS.requestStart, record);
  subscribe(DIAGNOSTICS_CHANNELS.requestEnd, record);
  op = await startLocalOperator();
  for (const value of [
    op.apiKey,
    op.secretKey,
    Buffer.from(op.secretKey, 'base64').toString('hex'),
    EMAIL,
    PHONE,
  ]) {
    secrets.add(value);
  }
  secrets.add(hashEmail(EMAIL));
  await exerciseEveryPath();
}, 60_000);

afterAll(async () => {
  unsubscribe(DIAGNOSTICS_CHANNELS.requestStart, record);
  unsubscribe(DIAGNOSTICS_CHANNELS.requestEnd, record);
  await Promise.all(clients.map((c) => c.close()));
  await op.close();
});

async function exerciseEveryPath(): Promise<void> {
  const client = clientFor();
  const ok = await client.generateToken({ email: EMAIL });
  results.push(ok);
  if (ok.status !== 'success') throw new Error('setup');
  const identity = remember(ok.identity);
  const refreshed = await client.refreshToken(identity);
  results.push(refreshed);
  if (refreshed.status === 'success') remember(refreshed.identity);
  results.push(await client.generateToken({ phone: PHONE }));
  results.push(await client.generateToken({ email: 'optout@example.com' }));

  // Configuration and input.
  failureSync(
    () => new PublisherClient({ baseUrl: 'http://example.com', apiKey: op.apiKey, secretKey: op.secretKey }),
  );
  failureSync(
    () => new PublisherClient({ baseUrl: op.url, apiKey: `${op.apiKey} `, secretKey: op.secretKey }),
  );
  failureSync(
    () => new PublisherClient({ baseUrl: op.url, apiKey: op.apiKey, secretKey: op.secretKey.slice(1) }),
  );
  await failure(client.generateToken({ email: `${EMAIL}@` }));
  await failure(client.generateToken({ phone: `${PHONE} ` }));
  await failure(client.refreshToken(`${JSON.stringify(identity).slice(0, -1)}`));
  failureSync(() => parseIdentity({ ...identity, identity_expires: 'soon' }));

  // Operator refusals.
  await failure(clientFor({ apiKey: `${op.apiKey}x` }).generateToken({ email: EMAIL }));
  await failure(
    clientFor({ secretKey: Buffer.alloc(32, 3).toString('base64') }).generateToken({ email: EMAIL }),
  );
  const tampered = identity.refresh_token.replace(
    /^(.{50})./,
    (_, head: string) => `${head}${identity.refresh_token[50] === 'Q' ? 'R' : 'Q'}`,
  );
  await failure(client.refreshToken({ ...identity, refresh_token: tampered }));
  await failure(client.refreshToken({ ...identity, refresh_expires: 1 }));

  // Every fault kind on both endpoints.
  for (const kind of FAULT_KINDS) {
    for (const endpoint of ['generate', 'refresh'] as const) {
      const spec = (
        kind === 'delay' || kind === 'stall' ? { kind, ms: 1_000, endpoint } : { kind, endpoint }
      ) as FaultSpec;
      op.injectFault(spec);
      const quick = clientFor({ timeoutMs: 300 });
      await failure(
        endpoint === 'generate' ? quick.generateToken({ email: EMAIL }) : quick.refreshToken(identity),
      );
      op.clearFaults();
    }
  }

  // Network failure, abort.
  const closed = await new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  await failure(clientFor({ baseUrl: `http://127.0.0.1:${closed}` }).generateToken({ email: EMAIL }));
  await failure(client.generateToken({ email: EMAIL }, { signal: AbortSignal.abort() }));

  // Clock skew that cannot be corrected: the operator's clock jumps at every attempt.
  const jump = () => op.advanceClock(10 * 60_000);
  subscribe(DIAGNOSTICS_CHANNELS.requestStart, jump);
  await failure(clientFor().generateToken({ email: EMAIL }));
  unsubscribe(DIAGNOSTICS_CHANNELS.requestStart, jump);
  op.setClockOffset(0);
  // Another 4xx: a base URL whose path does not exist on the operator.
  await failure(clientFor({ baseUrl: `${op.url}/elsewhere` }).generateToken({ email: EMAIL }));
  // A call after close().
  const closedClient = clientFor();
  await closedClient.close();
  await failure(closedClient.refreshToken(identity));
}

describe('secret hygiene', () => {
  it('exercises every error path and outcome', () => {
    const codes = new Set(errors.map((err) => (err as Uid2Error).code));
    expect([...codes].sort()).toEqual([...UID2_ERROR_CODES].sort());
    expect(errors.every((err) => err instanceof Uid2Error)).toBe(true);
    expect(results.map((r) => r.status)).toEqual(
      expect.arrayContaining(['success', 'optout', 'invalid_token', 'expired_token']),
    );
    expect(events.length).toBeGreaterThan(20);
  });

  it('no secret in any message, stack, JSON or inspect output of errors', () => {
    expect(errors.length).toBeGreaterThan(30);
    for (const err of errors) {
      const views = [
        (err as Error).message,
        (err as Error).stack ?? '',
        JSON.stringify(err),
        inspect(err, { depth: 10, showHidden: true }),
      ];
      for (const view of views) for (const secret of secrets) expect(view).not.toContain(secret);
    }
  });

  it('results and identities inspect without tokens (JSON keeps them for the app)', () => {
    for (const result of results) {
      const shown = inspect(result, { depth: 10 });
      for (const secret of secrets) expect(shown).not.toContain(secret);
    }
    const success = results.find((r) => r.status === 'success');
    expect(success && JSON.stringify(success)).toContain(
      success?.status === 'success' ? success.identity.refresh_token : '?',
    );
  });

  it('the client and the diagnostics events show no secret', () => {
    const views = [
      ...clients.map((c) => inspect(c, { depth: 10, showHidden: true })),
      ...clients.map((c) => JSON.stringify(c)),
      JSON.stringify(events),
      inspect(events, { depth: 10 }),
    ];
    for (const view of views) for (const secret of secrets) expect(view).not.toContain(secret);
    expect(inspect(clients[0])).toContain(op.url);
  });

  it('the checks above can fail: a planted secret is found', () => {
    const planted = new Uid2Error('UID2_BAD_REQUEST', `operator said ${op.apiKey}`);
    expect(inspect(planted)).toContain(op.apiKey);
  });
});
