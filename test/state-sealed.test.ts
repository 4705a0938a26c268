/**
 * Sealed identities: round trip, the documented format (rebuilt here independently), rotation, context
 * binding, bounded and total failure handling, option checks, and the 4 KB cookie budget.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import type { Identity } from '../src/identity.js';
import { openIdentity, SEALED_IDENTITY_MAX_LENGTH, sealIdentity } from '../src/state/sealed.js';

const K0 = Buffer.alloc(32, 1).toString('base64');
const K1 = Buffer.alloc(32, 2).toString('base64');
const FOREIGN = Buffer.alloc(32, 3).toString('base64');
const USER = 'user-42';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Token-shaped filler: base64 characters, deterministic. */
function tokenOf(length: number, seed: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += B64[(i * 31 + seed * 7) % 64];
  return out;
}

// What a production operator issues: ~220-char advertising token, 388-char refresh token, a 44-char key.
const now = 1_764_000_000_000;
const identity: Identity = {
  advertising_token: `A4AAAA${tokenOf(214, 1)}`,
  refresh_token: `AAAAA${tokenOf(383, 2)}`,
  identity_expires: now + 3 * 86_400_000,
  refresh_expires: now + 30 * 86_400_000,
  refresh_from: now + 3_600_000,
  refresh_response_key: Buffer.alloc(32, 0x5c).toString('base64'),
};

function code(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return 'no error';
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}

describe('sealIdentity / openIdentity', () => {
  it('round-trips an identity object or its JSON into a redacting identity', () => {
    const sealed = sealIdentity(identity, { keys: [K0], context: USER });
    const opened = openIdentity(sealed, { keys: [K0], context: USER });
    expect({ ...opened }).toEqual(identity);
    expect(inspect(opened)).not.toContain(identity.refresh_token);
    const fromJson = sealIdentity(JSON.stringify(identity), { keys: [K0], context: USER });
    expect({ ...openIdentity(fromJson, { keys: [Buffer.from(K0, 'base64')], context: USER }) }).toEqual(
      identity,
    );
    expect(sealed).not.toBe(fromJson); // a fresh random nonce each time
  });

  it('is base64url of version 1, a key id, a 24-byte nonce and a secretbox (rebuilt independently)', () => {
    const sealed = sealIdentity(identity, { keys: [K0], context: USER });
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    const bytes = Buffer.from(sealed, 'base64url');
    const json = JSON.stringify(identity);
    expect(bytes.length).toBe(1 + 4 + 24 + 16 + Buffer.byteLength(json));
    expect(bytes[0]).toBe(1);
    const secret = Buffer.from(K0, 'base64');
    const keyId = createHash('sha256')
      .update('uid2-publisher/sealed-identity/key-id\u0000')
      .update(secret)
      .digest()
      .subarray(0, 4);
    expect(bytes.subarray(1, 5)).toEqual(keyId);
    const boxKey = createHmac('sha256', secret)
      .update('uid2-publisher/sealed-identity/box-key\u0000')
      .update(Buffer.of(1))
      .update(USER)
      .digest();
    const plain = nacl.secretbox.open(bytes.subarray(29), bytes.subarray(5, 29), boxKey);
    expect(Buffer.from(plain as Uint8Array).toString('utf8')).toBe(json);
    // And a value built by hand from the documented format opens.
    const nonce = randomBytes(24);
    const handmade = Buffer.concat([
      Buffer.of(1),
      keyId,
      nonce,
      nacl.secretbox(Buffer.from(json), nonce, boxKey),
    ]);
    expect({ ...openIdentity(handmade.toString('base64url'), { keys: [K0], context: USER }) }).toEqual(
      identity,
    );
    // A well-sealed box whose content is not an identity, or not UTF-8, is still only UID2_INVALID_IDENTITY.
    for (const content of [Buffer.from('{"advertising_token":1}'), Buffer.from([0xff, 0xfe, 0x7b])]) {
      const box = nacl.secretbox(content, nonce, boxKey);
      const value = Buffer.concat([Buffer.of(1), keyId, nonce, box]).toString('base64url');
      expect(code(() => openIdentity(value, { keys: [K0], context: USER }))).toBe('UID2_INVALID_IDENTITY');
    }
  });

  it('rotates: seals with keys[0], opens with any of the keys', () => {
    const old = sealIdentity(identity, { keys: [K0], context: USER });
    expect({ ...openIdentity(old, { keys: [K1, K0], context: USER }) }).toEqual(identity);
    const fresh = sealIdentity(identity, { keys: [K1, K0], context: USER });
    expect({ ...openIdentity(fresh, { keys: [K1], context: USER }) }).toEqual(identity);
    expect(code(() => openIdentity(fresh, { keys: [K0], context: USER }))).toBe('UID2_INVALID_IDENTITY');
  });

  it('a foreign key or another user’s context gives UID2_INVALID_IDENTITY', () => {
    const sealed = sealIdentity(identity, { keys: [K0], context: USER });
    expect(message(() => openIdentity(sealed, { keys: [FOREIGN], context: USER }))).toBe(
      'sealed identity does not open with these keys and this context',
    );
    for (const context of ['user-43', 'user-42 ', 'User-42', 'user-4']) {
      expect(code(() => openIdentity(sealed, { keys: [K0], context }))).toBe('UID2_INVALID_IDENTITY');
    }
    expect(sealed).not.toContain(Buffer.from(USER).toString('base64url').slice(0, 8));
  });

  it('refuses non-strings, oversize, non-canonical, truncated and unknown-version input', () => {
    const sealed = sealIdentity(identity, { keys: [K0], context: USER });
    const options = { keys: [K0], context: USER };
    for (const value of [undefined, null, 42, {}, [sealed], Buffer.from(sealed)]) {
      expect(code(() => openIdentity(value as string, options))).toBe('UID2_INVALID_IDENTITY');
    }
    // Refused on length before anything else looks at it: bounded work for any input.
    const huge = 'A'.repeat(100 * 1024 * 1024);
    expect(message(() => openIdentity(huge, options))).toBe('sealed identity is too long');
    expect(message(() => openIdentity(`${sealed}=`, options))).toBe('sealed identity is not base64url');
    expect(code(() => openIdentity(sealed.replace(/-/g, '+'), options))).toBe('UID2_INVALID_IDENTITY');
    const bytes = Buffer.from(sealed, 'base64url');
    const cases = [
      '',
      sealed.slice(0, 59),
      sealed.slice(0, -1),
      `${sealed}A`,
      Buffer.concat([Buffer.of(2), bytes.subarray(1)]).toString('base64url'),
      Buffer.concat([bytes.subarray(0, 1), Buffer.alloc(4), bytes.subarray(5)]).toString('base64url'),
    ];
    for (const value of cases) expect(code(() => openIdentity(value, options))).toBe('UID2_INVALID_IDENTITY');
  });

  it('any random mutation of a sealed value gives UID2_INVALID_IDENTITY and nothing else', () => {
    const sealed = sealIdentity(identity, { keys: [K1, K0], context: USER });
    const options = { keys: [K1, K0], context: USER };
    const chars = fc.constantFrom(
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= .%\u00e9',
    );
    const mutation = fc.oneof(
      fc
        .record({ at: fc.nat(sealed.length - 1), char: chars })
        .map(({ at, char }) => sealed.slice(0, at) + char + sealed.slice(at + 1)),
      fc
        .record({ at: fc.nat(sealed.length), length: fc.integer({ min: 1, max: 40 }) })
        .map(({ at, length }) => sealed.slice(0, at) + sealed.slice(at + length)),
      fc
        .record({ at: fc.nat(sealed.length), text: fc.string({ unit: chars, minLength: 1, maxLength: 8 }) })
        .map(({ at, text }) => sealed.slice(0, at) + text + sealed.slice(at)),
      fc.record({ at: fc.nat(sealed.length - 1), bit: fc.nat(7) }).map(({ at, bit }) => {
        const bytes = Buffer.from(sealed, 'base64url');
        const index = at % bytes.length;
        bytes[index] = (bytes[index] as number) ^ (1 << bit);
        return bytes.toString('base64url');
      }),
    );
    fc.assert(
      fc.property(
        mutation.filter((value) => value !== sealed),
        (value) => code(() => openIdentity(value, options)) === 'UID2_INVALID_IDENTITY',
      ),
      { numRuns: 400 },
    );
  });

  it('checks keys (UID2_INVALID_CONFIG, naming the option) and context (UID2_INVALID_INPUT)', () => {
    const bad: unknown[] = [[], K0, [K0.slice(1)], Array(17).fill(K0), [new Uint8Array(31)], undefined];
    for (const keys of bad) {
      expect(code(() => sealIdentity(identity, { keys: keys as string[], context: USER }))).toBe(
        'UID2_INVALID_CONFIG',
      );
      expect(code(() => openIdentity('x', { keys: keys as string[], context: USER }))).toBe(
        'UID2_INVALID_CONFIG',
      );
    }
    expect(message(() => sealIdentity(identity, { keys: [K0, `${K1.slice(0, 42)}x=`], context: USER }))).toBe(
      'keys[1] must be standard base64 of exactly 32 bytes (44 characters)',
    );
    expect(code(() => sealIdentity(identity, { keys: [K0], context: USER, ttl: 1 } as never))).toBe(
      'UID2_INVALID_CONFIG',
    );
    // biome-ignore lint/suspicious/noSparseArray: a hole where a key should be
    expect(code(() => sealIdentity(identity, { keys: [, K0] as string[], context: USER }))).toBe(
      'UID2_INVALID_CONFIG',
    );
    for (const context of ['', 'x'.repeat(257), 42, undefined, '\uD800', 'user-\uDC00']) {
      expect(code(() => sealIdentity(identity, { keys: [K0], context: context as string }))).toBe(
        'UID2_INVALID_INPUT',
      );
    }
    expect(code(() => sealIdentity(identity, { keys: [K0], context: 'x'.repeat(256) }))).toBe('no error');
  });

  it('refuses to seal what is not an identity, or an identity too large to open again', () => {
    expect(code(() => sealIdentity('{"nope":1}', { keys: [K0], context: USER }))).toBe(
      'UID2_INVALID_IDENTITY',
    );
    // The largest identity JSON that seals to exactly SEALED_IDENTITY_MAX_LENGTH characters: 6099 bytes.
    const extra = 6_099 - JSON.stringify(identity).length - ',"extra":""'.length;
    const tooLarge = { ...identity, extra: 'x'.repeat(extra + 1) };
    expect(code(() => sealIdentity(tooLarge, { keys: [K0], context: USER }))).toBe('UID2_INVALID_IDENTITY');
    const largest = { ...identity, extra: 'x'.repeat(extra) };
    const sealed = sealIdentity(largest, { keys: [K0], context: USER });
    expect(sealed.length).toBe(SEALED_IDENTITY_MAX_LENGTH);
    expect(openIdentity(sealed, { keys: [K0], context: USER }).extra).toBe(largest.extra);
  });

  it('a sealed production identity fits a 4096-byte cookie with its name and attributes', () => {
    const sealed = sealIdentity(identity, { keys: [K0], context: USER });
    const cookie = `__Host-uid2=${sealed}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=2592000`;
    expect(identity.refresh_token).toHaveLength(388);
    expect(identity.advertising_token).toHaveLength(220);
    expect(Buffer.byteLength(cookie)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(cookie)).toBeGreaterThan(1_000); // the identity really is in it
  });
});
