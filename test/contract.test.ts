import { describe, expect, it } from 'vitest';
import { checkMobileIdentity, MAX_MOBILE_IDENTITY_LENGTH, startLocalOperator } from '../src/testing/index.js';
import { rawSecretCall } from './support/operator-fixture.js';

const now = 1_000_000;
const good = {
  advertising_token: 'A4AAAA',
  refresh_token: 'AAAAAA',
  identity_expires: now + 2,
  refresh_from: now + 1,
  refresh_expires: now + 3,
  refresh_response_key: Buffer.alloc(32, 7).toString('base64'),
};
const violations = (value: unknown) =>
  checkMobileIdentity(typeof value === 'string' ? value : JSON.stringify(value), now);

describe('the mobile SDKs identity contract check', () => {
  it('accepts the six fields, with or without extra keys or whitespace', () => {
    expect(violations(good)).toEqual([]);
    expect(violations({ ...good, user_token: 'x' })).toEqual([]);
    expect(violations(JSON.stringify(good, null, 2))).toEqual([]);
  });

  const bad: [string, unknown, string][] = [
    ['the {status, body} wrapper', { body: good, status: 'success' }, 'wrapped'],
    ['a missing key', { ...good, refresh_response_key: undefined }, 'missing refresh_response_key'],
    ['an empty token', { ...good, refresh_token: '' }, 'refresh_token must be a non-empty string'],
    [
      'a quoted timestamp',
      { ...good, identity_expires: String(good.identity_expires) },
      'identity_expires must be a plain integer',
    ],
    ['a fractional timestamp', { ...good, refresh_from: now + 0.5 }, 'refresh_from must be a plain integer'],
    [
      'a 16-byte key',
      { ...good, refresh_response_key: Buffer.alloc(16).toString('base64') },
      'refresh_response_key must be standard base64 of 32 bytes',
    ],
    [
      'a base64url key',
      { ...good, refresh_response_key: `${Buffer.alloc(32, 0xfb).toString('base64url')}=` },
      'refresh_response_key must be standard base64 of 32 bytes',
    ],
    [
      'refresh_expires already passed',
      { ...good, refresh_expires: now },
      'refresh_expires must be after now',
    ],
    [
      'refresh_from after identity_expires',
      { ...good, refresh_from: now + 5 },
      'refresh_from must not be after identity_expires',
    ],
    ['not JSON', '{', 'not JSON'],
    ['an array', '[]', 'not a JSON object'],
    [
      'a duplicate key',
      JSON.stringify(good).replace('{', '{"refresh_token":"BBBB",'),
      'duplicate refresh_token',
    ],
    ['a camelCase twin', { ...good, refreshToken: 'x' }, 'camelCase twin refreshToken'],
    ['a null token', { ...good, advertising_token: null }, 'advertising_token must be a non-empty string'],
    [
      'an exponent',
      JSON.stringify(good).replace(`${now + 2}`, '1.000002e6'),
      'identity_expires must be a plain integer',
    ],
  ];
  for (const [label, value, problem] of bad) {
    it(`reports ${label}`, () => {
      expect(violations(value).join('; ')).toContain(problem);
    });
  }
});

describe('checkMobileIdentity as users call it', () => {
  it('passes an identity of the local operator, with the default clock', async () => {
    const op = await startLocalOperator();
    try {
      const res = await rawSecretCall(op, '/v2/token/generate', { email: 'mobile@example.com' });
      const identityJson = JSON.stringify((res.decrypted as { body: unknown }).body);
      expect(checkMobileIdentity(identityJson)).toEqual([]);
      // The same identity a year later has expired.
      expect(checkMobileIdentity(identityJson, Date.now() + 365 * 86_400_000)).toEqual([
        'refresh_expires must be after now',
        'identity_expires should be after now',
      ]);
    } finally {
      await op.close();
    }
  });

  it('reports every problem at once, naming keys and never values', () => {
    const problems = checkMobileIdentity(JSON.stringify({ body: good, status: 'success' }), now);
    expect(problems[0]).toBe('wrapped in {status, body}: emit the body only');
    expect(problems).toHaveLength(7);
    expect(problems.join(' ')).not.toContain(good.refresh_response_key);
  });

  it('refuses oversized and non-string input before parsing it, and a bad now', () => {
    expect(checkMobileIdentity(' '.repeat(MAX_MOBILE_IDENTITY_LENGTH + 1), now)).toEqual([
      `longer than ${MAX_MOBILE_IDENTITY_LENGTH} characters`,
    ]);
    expect(checkMobileIdentity(42 as unknown as string, now)).toEqual(['not a string']);
    expect(() => checkMobileIdentity('{}', Number.NaN)).toThrow(
      expect.objectContaining({ code: 'UID2_INVALID_INPUT' }),
    );
  });
});
