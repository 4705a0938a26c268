/**
 * /v2/token/refresh on the local operator over raw HTTP: stage 1 (client_error whatever the auth),
 * stage 2 with authenticated and unauthenticated statuses, binary mode, a mobile SDK's form-typed call,
 * expiry through the clock, opt-out, key rotation.
 */

import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGenerateResponse, openRefreshResponse, sealRequestEnvelope } from '../src/envelope.js';
import { decodeSecretKey } from '../src/keys.js';
import { type IdentityBody, type LocalOperator, startLocalOperator } from '../src/testing/index.js';

let op: LocalOperator;

async function generate(payload: Record<string, unknown>, target = op): Promise<IdentityBody> {
  const key = decodeSecretKey(target.secretKey);
  const { bytes, nonce } = sealRequestEnvelope(key, JSON.stringify(payload));
  const res = await request(`${target.url}/v2/token/generate`, {
    method: 'POST',
    body: bytes.toString('base64'),
    headers: { authorization: `Bearer ${target.apiKey}` },
  });
  const answer = JSON.parse(openGenerateResponse(key, await res.body.text(), nonce).json) as {
    body: IdentityBody;
    status: string;
  };
  expect(answer.status).toBe('success');
  return answer.body;
}

interface RefreshOptions {
  auth?: string | null | undefined;
  contentType?: string;
  target?: LocalOperator;
}

async function refresh(token: string | Buffer, options: RefreshOptions = {}) {
  const target = options.target ?? op;
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'text/plain' };
  const auth = options.auth === undefined ? `Bearer ${target.apiKey}` : options.auth;
  if (auth !== null) headers.authorization = auth;
  const res = await request(`${target.url}/v2/token/refresh`, { method: 'POST', body: token, headers });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, type: res.headers['content-type'], bytes, text: bytes.toString('utf8') };
}

function decrypt(identity: { refresh_response_key: string }, body: string | Buffer): Record<string, unknown> {
  return JSON.parse(
    openRefreshResponse(Buffer.from(identity.refresh_response_key, 'base64'), body),
  ) as Record<string, unknown>;
}

const INVALID_AUTH = '{"message":"Invalid Token presented","status":"invalid_token"}';
const EXPIRED_AUTH = '{"message":"Expired Token presented","status":"expired_token"}';
const UNAUTH = '{"message":"Error refreshing token","status":"error"}';

beforeAll(async () => {
  op = await startLocalOperator({ profile: 'integration' });
});
afterAll(() => op.close());

describe('success', () => {
  it('issues a new identity sealed under the old refresh_response_key, with or without auth', async () => {
    const first = await generate({ email: 'user@example.com' });
    for (const auth of [undefined, null, 'Bearer unknown-key']) {
      const res = await refresh(first.refresh_token, { auth });
      expect(res.status).toBe(200);
      expect(res.type).toBe('text/plain');
      const answer = decrypt(first, res.text);
      expect(Object.keys(answer)).toEqual(['body', 'status']);
      const next = answer.body as IdentityBody;
      expect(next.refresh_token).toHaveLength(388);
      expect(next.refresh_response_key).not.toBe(first.refresh_response_key);
      expect(next.advertising_token.startsWith('A4')).toBe(true);
      // The new token works too, and the old one is not single-use.
      expect((await refresh(next.refresh_token)).status).toBe(200);
    }
  });

  it('answers raw bytes in binary mode and text to a mobile SDK form-typed body', async () => {
    const first = await generate({ phone: '+12345678901' });
    const binary = await refresh(Buffer.from(first.refresh_token), {
      contentType: 'application/octet-stream',
    });
    expect(binary.type).toBe('application/octet-stream');
    expect(decrypt(first, binary.bytes).status).toBe('success');
    const form = await refresh(first.refresh_token, {
      auth: null,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.type).toBe('text/plain');
    expect(decrypt(first, form.text).status).toBe('success');
  });
});

describe('stage 1: 400 client_error whatever the auth', () => {
  it.each([undefined, null])('auth %s', async (auth) => {
    const good = await generate({ email: 'user@example.com' });
    const notBase64 = `${good.refresh_token.slice(0, 387)}!`;
    expect((await refresh(notBase64, { auth })).text).toBe(
      '{"message":"Invalid body: Body is not valid base64.","status":"client_error"}',
    );
    const bytes = Buffer.from(good.refresh_token, 'base64');
    const tampered = Buffer.from(bytes);
    tampered[100] = (tampered[100] as number) ^ 1;
    expect((await refresh(tampered.toString('base64'), { auth })).text).toBe(
      '{"message":"Invalid data: Check encryption method and encryption key.","status":"client_error"}',
    );
    const unknownKey = Buffer.from(bytes);
    unknownKey.writeInt32BE(77, 1);
    expect((await refresh(unknownKey.toString('base64'), { auth })).text).toBe(
      '{"message":"Invalid key: Generator of this token (Key ID: 77) does not exist.","status":"client_error"}',
    );
    // Wrappers of the real JSON's length (258) keep the token at 388 chars.
    for (const wrapperJson of ['x'.repeat(258), `{"a":"${'x'.repeat(250)}"}`]) {
      const { refreshToken } = op.craftRefreshToken({ wrapperJson });
      expect(refreshToken).toHaveLength(388);
      expect((await refresh(refreshToken, { auth })).text).toBe(
        '{"message":"Invalid format: Payload is not valid json or missing required data.","status":"client_error"}',
      );
    }
  });

  it('a negative key id is printed signed, as Java does', async () => {
    const bytes = Buffer.from((await generate({ email: 'user@example.com' })).refresh_token, 'base64');
    bytes.writeInt32BE(-2, 1);
    expect((await refresh(bytes.toString('base64'))).text).toContain('(Key ID: -2)');
  });
});

describe('stage 2', () => {
  it('non-388 bodies and undecodable inner tokens are invalid tokens', async () => {
    const good = await generate({ email: 'user@example.com' });
    const crafted = op.craftRefreshToken({ innerToken: 'x'.repeat(168) }).refreshToken;
    const otherScope = op.craftRefreshToken({ scope: 'euid' }).refreshToken;
    for (const body of [
      '',
      'abc',
      `${good.refresh_token}=`,
      good.refresh_token.slice(1),
      crafted,
      otherScope,
    ]) {
      expect([(await refresh(body)).status, (await refresh(body)).text]).toEqual([400, INVALID_AUTH]);
      expect((await refresh(body, { auth: null })).text).toBe(UNAUTH);
    }
  });

  it('a disabled key still counts as authenticated', async () => {
    const disabled = await startLocalOperator({
      clients: [
        {
          apiKey: 'UID2-C-L-5-abcdef.key',
          secretKey: Buffer.alloc(32, 1).toString('base64'),
          disabled: true,
        },
      ],
    });
    try {
      expect((await refresh('abc', { target: disabled })).text).toBe(INVALID_AUTH);
    } finally {
      await disabled.close();
    }
  });

  it('expires at refresh_expires + 1 ms (expiresAt < now), with the clock control', async () => {
    const identity = await generate({ email: 'user@example.com' });
    try {
      op.setClockOffset(identity.refresh_expires - op.now() - 200);
      expect((await refresh(identity.refresh_token)).status).toBe(200);
      op.advanceClock(2_000);
      expect([
        (await refresh(identity.refresh_token)).status,
        (await refresh(identity.refresh_token)).text,
      ]).toEqual([400, EXPIRED_AUTH]);
      expect((await refresh(identity.refresh_token, { auth: null })).text).toBe(UNAUTH);
    } finally {
      op.setClockOffset(0);
    }
  });

  it('a token established before 2021-03-08 gets optout', async () => {
    const old = op.craftRefreshToken({
      establishedAt: Date.UTC(2021, 2, 7),
      refreshResponseKey: Buffer.alloc(32, 3).toString('base64'),
    });
    const res = await refresh(old.refreshToken);
    expect(decrypt({ refresh_response_key: old.refreshResponseKey }, res.text)).toEqual({ status: 'optout' });
  });

  it('a response key the cipher refuses gives the operator 500', async () => {
    const bad = op.craftRefreshToken({ refreshResponseKey: 'A'.repeat(44) }); // 33 bytes
    const res = await refresh(bad.refreshToken);
    expect([res.status, res.text]).toEqual([500, '{"message":"","status":"error"}']);
  });
});

describe('opt-out on refresh', () => {
  it.each([{ email: 'refresh-optout@example.com' }, { phone: '+00000000002' }])(
    '%j opts out on refresh',
    async (who) => {
      const identity = await generate(who);
      const res = await refresh(identity.refresh_token);
      expect(res.status).toBe(200);
      expect(decrypt(identity, res.text)).toEqual({ status: 'optout' });
    },
  );

  it('opting an identity out stops its existing tokens; validate identities are never opted out', async () => {
    const identity = await generate({ email: 'leaving@example.com' });
    expect(decrypt(identity, (await refresh(identity.refresh_token)).text).status).toBe('success');
    op.optOut({ emailHash: 'c7hUi/DdBhpK6I6CbvRf1UDAHRCKwyJdb8Tyb1m7YPE=' }); // unrelated
    op.optOut({ email: 'Leaving@example.com' });
    expect(decrypt(identity, (await refresh(identity.refresh_token)).text)).toEqual({ status: 'optout' });
    const validate = await generate({ email: 'validate@example.com' });
    op.optOut({ email: 'validate@example.com' });
    expect(decrypt(validate, (await refresh(validate.refresh_token)).text).status).toBe('success');
  });
});

describe('refresh key rotation', () => {
  it('makes earlier tokens unknown, or keeps them with keepOld', async () => {
    const rotating = await startLocalOperator();
    try {
      const before = await generate({ email: 'user@example.com' }, rotating);
      const kept = rotating.rotateRefreshKey({ keepOld: true });
      expect(kept.refreshKeyIds).toHaveLength(2);
      expect((await refresh(before.refresh_token, { target: rotating })).status).toBe(200);
      const middle = await generate({ email: 'user@example.com' }, rotating);
      const oldId = Buffer.from(middle.refresh_token, 'base64').readInt32BE(1);
      expect(oldId).toBe(kept.refreshKeyId);
      const rotated = rotating.rotateRefreshKey();
      expect(rotated.refreshKeyIds).toEqual([rotated.refreshKeyId]);
      const res = await refresh(middle.refresh_token, { target: rotating });
      expect([res.status, res.text]).toEqual([
        400,
        `{"message":"Invalid key: Generator of this token (Key ID: ${oldId}) does not exist.","status":"client_error"}`,
      ]);
      const after = await generate({ email: 'user@example.com' }, rotating);
      expect((await refresh(after.refresh_token, { target: rotating })).status).toBe(200);
    } finally {
      await rotating.close();
    }
  });

  it('tokens of another local operator are unknown here', async () => {
    const other = await startLocalOperator();
    try {
      const foreign = await generate({ email: 'user@example.com' }, other);
      const res = await refresh(foreign.refresh_token);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text).status).toBe('client_error');
    } finally {
      await other.close();
    }
  });
});
