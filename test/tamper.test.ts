import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decryptTokenGenerateResponse, decryptTokenRefreshResponse, Uid2Error } from '../src/index.js';

const java = JSON.parse(
  readFileSync(new URL('./fixtures/vectors/java-publisher-tests.json', import.meta.url), 'utf8'),
);
const nonce = Buffer.from(java.generate_response.expected_nonce_hex, 'hex');
const generateBytes = Buffer.from(java.generate_response.body, 'base64');
const refresh = java.refresh_responses[0];
const refreshBytes = Buffer.from(refresh.body, 'base64');

const decryptFailed = expect.objectContaining({ code: 'UID2_DECRYPT_FAILED', message: 'decryption failed' });

function flipped(bytes: Buffer, index: number): string {
  const copy = Buffer.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy.toString('base64');
}

/** What `fn` throws; fails the test when it returns instead. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw, but the call returned');
}

function region(index: number, length: number): string {
  if (index < 12) return 'IV';
  return index >= length - 16 ? 'tag' : 'ciphertext';
}

describe('tampering with a generate response', () => {
  it('the untouched body decrypts (control)', () => {
    expect(decryptTokenGenerateResponse(java.secret, java.generate_response.body, nonce).status).toBe(
      'success',
    );
  });

  it('flipping any single bit-0 of any byte (IV, ciphertext, tag) gives UID2_DECRYPT_FAILED', () => {
    const seen = new Set<string>();
    for (let i = 0; i < generateBytes.length; i++) {
      expect(
        () => decryptTokenGenerateResponse(java.secret, flipped(generateBytes, i), nonce),
        `byte ${i}`,
      ).toThrow(decryptFailed);
      seen.add(region(i, generateBytes.length));
    }
    expect([...seen].sort()).toEqual(['IV', 'ciphertext', 'tag']);
  });

  it('the error carries no cause (nothing to leak, nothing to distinguish)', () => {
    // The assertions stay outside the try: an AssertionError caught there would pass the cause check.
    const err = thrownBy(() => decryptTokenGenerateResponse(java.secret, flipped(generateBytes, 20), nonce));
    expect(err).toBeInstanceOf(Uid2Error);
    expect(err).toEqual(decryptFailed);
    expect(Object.hasOwn(err as object, 'cause')).toBe(false);
    expect((err as Error).cause).toBeUndefined();
  });

  const garbage: [string, string | Uint8Array][] = [
    ['an empty body', ''],
    ['a truncated body (27 bytes)', generateBytes.subarray(0, 27).toString('base64')],
    [
      'a body cut before the tag ends',
      generateBytes.subarray(0, generateBytes.length - 1).toString('base64'),
    ],
    ['non-base64 text', '<html>502 Bad Gateway</html>'],
    ['base64url text', java.generate_response.body.replace(/\+/g, '-').replace(/\//g, '_')],
    ['plain JSON', '{"status":"success","body":{}}'],
    ['binary garbage', new Uint8Array(64)],
  ];
  for (const [label, body] of garbage) {
    it(`${label} gives UID2_DECRYPT_FAILED`, () => {
      expect(() => decryptTokenGenerateResponse(java.secret, body, nonce)).toThrow(decryptFailed);
    });
  }
});

describe('tampering with a refresh response', () => {
  it('flipping any byte gives UID2_DECRYPT_FAILED', () => {
    for (let i = 0; i < refreshBytes.length; i += 1) {
      expect(
        () => decryptTokenRefreshResponse(flipped(refreshBytes, i), refresh.refresh_response_key, { now: 0 }),
        `byte ${i}`,
      ).toThrow(decryptFailed);
    }
  });

  it('another key gives UID2_DECRYPT_FAILED', () => {
    expect(() => decryptTokenRefreshResponse(refresh.body, java.secret, { now: 0 })).toThrow(decryptFailed);
  });

  it('a refresh key that is not base64 of an AES key is bad input', () => {
    expect(() => decryptTokenRefreshResponse(refresh.body, 'response key')).toThrow(
      expect.objectContaining({ code: 'UID2_INVALID_INPUT' }),
    );
  });
});
