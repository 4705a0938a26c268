import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  hasExpired,
  type Identity,
  identityToJson,
  isDueForRefresh,
  isRefreshable,
  parseIdentity,
} from '../src/index.js';

const shared = new URL('./fixtures/vectors/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, shared), 'utf8');

const base: Identity = {
  advertising_token: 'A4AAAB',
  refresh_token: 'AAAAAR',
  identity_expires: 3_000,
  refresh_expires: 5_000,
  refresh_from: 2_000,
  refresh_response_key: 'P941vVeuyjaDRVnFQ8DPd0AZnW4bPeiJPXER2K9QXcU=',
};

describe('timing predicates (Java IdentityTokens semantics, milliseconds)', () => {
  it('isDueForRefresh: after refresh_from or after identity_expires, strictly', () => {
    expect(isDueForRefresh(base, 2_000)).toBe(false);
    expect(isDueForRefresh(base, 2_001)).toBe(true);
    expect(isDueForRefresh({ ...base, refresh_from: 9_000 }, 3_001)).toBe(true);
  });
  it('isRefreshable: until and including refresh_expires', () => {
    expect(isRefreshable(base, 5_000)).toBe(true);
    expect(isRefreshable(base, 5_001)).toBe(false);
    expect(isRefreshable({ ...base, refresh_token: '' }, 0)).toBe(false);
  });
  it('hasExpired: strictly after identity_expires', () => {
    expect(hasExpired(base, 3_000)).toBe(false);
    expect(hasExpired(base, 3_001)).toBe(true);
  });
  it('default to the current time in milliseconds, not seconds', () => {
    const now = Date.now();
    const fresh = {
      ...base,
      refresh_from: now + 60_000,
      identity_expires: now + 120_000,
      refresh_expires: now + 180_000,
    };
    expect(isDueForRefresh(fresh)).toBe(false);
    expect(isRefreshable(fresh)).toBe(true);
    expect(hasExpired(fresh)).toBe(false);
    const stale = {
      ...base,
      refresh_from: now - 120_000,
      identity_expires: now - 60_000,
      refresh_expires: now - 1_000,
    };
    expect(isDueForRefresh(stale)).toBe(true);
    expect(isRefreshable(stale)).toBe(false);
    expect(hasExpired(stale)).toBe(true);
  });
});

describe('parseIdentity', () => {
  it('parses the iOS fixture, keeping unknown fields and integer timestamps', () => {
    const identity = parseIdentity(read('mobile/uididentity.json'));
    expect(identity.status).toBe('success');
    expect(identity.identity_expires).toBe(1633643601000);
    expect(JSON.parse(identityToJson(identity))).toEqual(JSON.parse(read('mobile/uididentity.json')));
  });
  it('parses the body of the generate fixture', () => {
    const body = JSON.parse(read('mobile/generate-token-200-success.json')).body;
    expect(parseIdentity(body).user_token).toBe(body.user_token);
  });
  it('accepts a v1 identity without refresh_response_key', () => {
    const { refresh_response_key: _dropped, ...v1 } = base;
    expect(parseIdentity(v1).refresh_response_key).toBeUndefined();
  });

  const bad: [string, unknown][] = [
    ['not JSON', '{'],
    ['an array', '[]'],
    ['null', 'null'],
    ['the {status, body} wrapper', read('mobile/generate-token-200-success.json')],
    ['a missing field', { ...base, refresh_from: undefined }],
    ['an empty token', { ...base, advertising_token: '' }],
    ['a numeric string timestamp', { ...base, identity_expires: '3000' }],
    ['a fractional timestamp', { ...base, identity_expires: 3000.5 }],
    [
      'a key that is not base64 (Android identity-valid.json)',
      JSON.parse(read('mobile/identity-valid.json')),
    ],
  ];
  for (const [label, value] of bad) {
    it(`rejects ${label} with UID2_INVALID_IDENTITY`, () => {
      expect(() => parseIdentity(value as string)).toThrow(
        expect.objectContaining({ code: 'UID2_INVALID_IDENTITY' }),
      );
    });
  }

  it('never puts a token into its error message', () => {
    try {
      parseIdentity({ ...base, advertising_token: 42 });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('advertising_token');
      expect((err as Error).message).not.toContain(base.refresh_token);
    }
  });

  it('util.inspect redacts tokens and the key; JSON keeps them', () => {
    const identity = parseIdentity(base);
    const shown = inspect(identity);
    expect(shown).not.toContain(base.refresh_response_key);
    expect(shown).not.toContain(base.advertising_token);
    expect(shown).toContain('redacted');
    expect(JSON.parse(JSON.stringify(identity))).toEqual(base);
  });
});
