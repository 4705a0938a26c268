import { describe, expect, it } from 'vitest';
import { decodeBase64Strict, isAesKeyBase64 } from '../src/base64.js';
import { gcmOpen, sealRequestEnvelope } from '../src/envelope.js';

describe('decodeBase64Strict', () => {
  it('accepts canonical padded standard base64', () => {
    expect(decodeBase64Strict('dGVzdA==')?.toString()).toBe('test');
    expect(decodeBase64Strict('+/+/')).toEqual(Buffer.from([0xfb, 0xff, 0xbf]));
    expect(decodeBase64Strict('')).toEqual(Buffer.alloc(0));
  });
  for (const bad of [
    'dGVzdA',
    'dGVzdA=',
    'dGVz dA==',
    'dGVzdA==\n',
    '-_-_',
    'QR==',
    'dGVzdA=x',
    '====',
    'ab=c',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => expect(decodeBase64Strict(bad)).toBeNull());
  }
});

describe('isAesKeyBase64', () => {
  it('accepts canonical base64 of 16, 24 and 32 bytes only', () => {
    for (const size of [16, 24, 32])
      expect(isAesKeyBase64(Buffer.alloc(size, 0xab).toString('base64'))).toBe(true);
    for (const size of [8, 20, 31, 33, 48])
      expect(isAesKeyBase64(Buffer.alloc(size, 0xab).toString('base64'))).toBe(false);
    expect(isAesKeyBase64('yptCUTBoZm1ffosgCrmuwh==')).toBe(false); // non-zero trailing bits
    expect(isAesKeyBase64('response key')).toBe(false);
  });
});

describe('random nonces and IVs', () => {
  it('are distinct across pool refills, and a held nonce is never overwritten', () => {
    const key = Buffer.alloc(32, 9);
    const held: { nonce: Uint8Array; copy: string; bytes: Buffer }[] = [];
    for (let i = 0; i < 2_000; i++) {
      const { bytes, nonce } = sealRequestEnvelope(key, '{}');
      held.push({ nonce, copy: Buffer.from(nonce).toString('hex'), bytes });
    }
    expect(new Set(held.map((h) => h.copy)).size).toBe(held.length);
    expect(new Set(held.map((h) => h.bytes.subarray(1, 13).toString('hex'))).size).toBe(held.length);
    for (const h of held) {
      expect(Buffer.from(h.nonce).toString('hex')).toBe(h.copy);
      expect(gcmOpen(key, h.bytes, 1)?.subarray(8, 16).toString('hex')).toBe(h.copy);
    }
  });
});
