import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealRequestEnvelope } from '../src/envelope.js';
import { sha256Base64 } from '../src/input.js';
import { decodeSecretKey } from '../src/keys.js';
import {
  generateApiKey,
  generateSecretKey,
  type IdentityBody,
  type LocalOperator,
  startLocalOperator,
} from '../src/testing/index.js';
import { OPERATOR_IDENTITY_FIELDS } from './support/identity-fields.js';
import { post, rawGenerate } from './support/raw-http.js';

const MISSING = JSON.stringify({
  message:
    'Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified',
  status: 'client_error',
});
const INVALID = JSON.stringify({ message: 'Invalid Identifier', status: 'client_error' });
const UNAUTHORIZED = '{"status":"unauthorized"}';

let op: LocalOperator;

/** Generates with `payload` (an object or raw JSON text) and decrypts a 200. */
const generate = (payload: unknown, target = op, apiKey?: string, secretKey?: string) =>
  rawGenerate(payload, target, apiKey, secretKey);

/** The identity of a success answer (fails the test otherwise). */
function identityOf(res: { decrypted?: Record<string, unknown> | undefined }): IdentityBody {
  expect(res.decrypted?.status).toBe('success');
  return res.decrypted?.body as IdentityBody;
}

beforeAll(async () => {
  op = await startLocalOperator();
});
afterAll(() => op.close());

describe('authentication (401 before the body is read)', () => {
  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic abc'],
    ['unknown key', 'Bearer UID2-C-L-1-abcdef.x'],
    ['bare key', 'KEY'],
  ])('%s', async (_name, header) => {
    const headers: Record<string, string> =
      header === undefined ? {} : { authorization: header.replace('KEY', op.apiKey) };
    const res = await post(op, '/v2/token/generate', 'garbage', headers);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.text).toBe(UNAUTHORIZED);
  });

  it('trims the header and matches "bearer " in any case', async () => {
    const key = decodeSecretKey(op.secretKey);
    const { bytes } = sealRequestEnvelope(key, '{"email":"user@example.com"}');
    const res = await post(op, '/v2/token/generate', bytes.toString('base64'), {
      authorization: `  bEaReR ${op.apiKey}  `,
    });
    expect(res.status).toBe(200);
  });

  it('refuses disabled keys and keys without GENERATOR', async () => {
    const clients = [
      { apiKey: generateApiKey('uid2', 1), secretKey: generateSecretKey(), disabled: true },
      { apiKey: generateApiKey('uid2', 2), secretKey: generateSecretKey(), roles: ['MAPPER' as const] },
      { apiKey: generateApiKey('uid2', 3), secretKey: generateSecretKey(), siteId: 3 },
    ];
    const multi = await startLocalOperator({ clients });
    try {
      for (const client of clients.slice(0, 2)) {
        const res = await generate({ email: 'user@example.com' }, multi, client.apiKey, client.secretKey);
        expect([res.status, res.text]).toEqual([401, UNAUTHORIZED]);
      }
      const third = clients[2]!;
      expect(
        (await generate({ email: 'user@example.com' }, multi, third.apiKey, third.secretKey)).status,
      ).toBe(200);
      expect(multi.apiKey).toBe(clients[0]?.apiKey);
    } finally {
      await multi.close();
    }
  });

  it('default keys look like real ones', () => {
    expect(op.apiKey).toMatch(/^UID2-C-L-\d+-[A-Za-z0-9]{6}\.[A-Za-z0-9+/]{37}=$/);
    expect(Buffer.from(op.secretKey, 'base64')).toHaveLength(32);
  });
});

describe('input rules (§4.2)', () => {
  it.each([
    ['no field', {}],
    ['two fields', { email: 'a@b.com', phone: '+12345678901' }],
    ['email and hash', { email: 'a@b.com', email_hash: sha256Base64('a@b.com') }],
    ['only null', { email: null }],
    ['other fields only', { policy: 1, optout_check: 1 }],
  ])('%s: Required Parameter Missing', async (_name, payload) => {
    const res = await generate(payload);
    expect([res.status, res.text]).toEqual([400, MISSING]);
  });

  it('null counts as absent next to a real field', async () => {
    expect((await generate({ email: 'user@example.com', phone: null })).status).toBe(200);
  });

  it.each([
    ['bad email', { email: 'a@ba@z.com' }],
    ['empty email', { email: '' }],
    ['unnormalised phone', { phone: '1 (234) 567-8901' }],
    ['short phone', { phone: '+123456789' }],
    ['43-char hash', { email_hash: sha256Base64('x').slice(0, 43) }],
    ['66-char hex', { phone_hash: 'a'.repeat(66) }],
    ['non-hex 64', { email_hash: 'g'.repeat(64) }],
    ['number', { email: 123 }],
    ['object', { phone: { n: '+12345678901' } }],
  ])('%s: Invalid Identifier', async (_name, payload) => {
    const res = await generate(payload);
    expect([res.status, res.text]).toEqual([400, INVALID]);
  });

  it.each([
    ['raw email', { email: ' Jane.Doe@GMail.com ' }],
    ['base64 hash', { email_hash: 'DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs=' }],
    ['hex hash', { phone_hash: '0c7e6a405862e402eb76a70f8a26fc732d07c32931e9fae9ab1582911d2e8a3b' }],
    ['unpadded 44-char hash (33 bytes)', { email_hash: `${'A'.repeat(44)}` }],
    ['E.164 phone', { phone: '+123456789012345' }],
  ])('%s is accepted', async (_name, payload) => {
    const res = await generate(payload);
    expect(res.status).toBe(200);
    expect(res.decrypted?.status).toBe('success');
  });
});

describe('success answer', () => {
  it('has the operator shape, key order and token formats', async () => {
    const before = op.now();
    const res = await generate({ email: 'user@example.com' });
    expect(res.headers['content-type']).toBe('text/plain');
    expect(Object.keys(res.decrypted ?? {})).toEqual(['body', 'status']);
    const body = res.decrypted?.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(OPERATOR_IDENTITY_FIELDS);
    const ad = body.advertising_token as string;
    expect(ad).toMatch(/^A4[A-Za-z0-9_-]+$/);
    expect(Buffer.from(ad, 'base64url')).toHaveLength(163);
    const refresh = body.refresh_token as string;
    expect(refresh).toHaveLength(388);
    expect(refresh).toMatch(/^[A-Za-z0-9+/]{388}$/);
    expect(refresh.startsWith('AAAA')).toBe(true);
    expect(Buffer.from(body.refresh_response_key as string, 'base64')).toHaveLength(32);
    const from = body.refresh_from as number;
    expect(from - before).toBeGreaterThanOrEqual(3600_000);
    expect(from - before).toBeLessThan(3600_000 + 5000);
    expect((body.identity_expires as number) - from).toBe(259_200_000 - 3600_000);
    expect((body.refresh_expires as number) - from).toBe(2_592_000_000 - 3600_000);
  });

  it('uses B4 for phones, E4/F4 in EUID scope', async () => {
    const phone = await generate({ phone: '+12345678901' });
    expect(identityOf(phone).advertising_token.startsWith('B4')).toBe(true);
    const euid = await startLocalOperator({ scope: 'euid', profile: 'integration' });
    try {
      expect(euid.apiKey.startsWith('EUID-C-L-')).toBe(true);
      const email = await generate({ email: 'user@example.com' }, euid);
      const body = email.decrypted?.body as Record<string, number | string>;
      expect((body.advertising_token as string).slice(0, 2)).toBe('E4');
      expect((body.refresh_token as string).startsWith('EAAA')).toBe(true);
      expect((body.identity_expires as number) - (body.refresh_from as number)).toBe(2700_000);
      const ph = await generate({ phone_hash: sha256Base64('+12345678901') }, euid);
      expect(identityOf(ph).advertising_token.slice(0, 2)).toBe('F4');
    } finally {
      await euid.close();
    }
  });

  it('mints a fresh refresh_response_key every time', async () => {
    const a = (await generate({ email: 'user@example.com' })).decrypted?.body as Record<string, string>;
    const b = (await generate({ email: 'user@example.com' })).decrypted?.body as Record<string, string>;
    expect(a.refresh_response_key).not.toBe(b.refresh_response_key);
    expect(a.refresh_token).not.toBe(b.refresh_token);
  });
});
