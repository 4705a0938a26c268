import { describe, expect, it } from 'vitest';
import { mobileContractViolations } from '../src/cli/contract.js';

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
  mobileContractViolations(typeof value === 'string' ? value : JSON.stringify(value), now);

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
  ];
  for (const [label, value, problem] of bad) {
    it(`reports ${label}`, () => {
      expect(violations(value).join('; ')).toContain(problem);
    });
  }
});
