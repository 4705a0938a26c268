import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64Strict } from '../src/base64.js';
import { gcmOpen, sealGenerateResponse, sealRefreshResponse, sealRequestEnvelope } from '../src/envelope.js';
import {
  decryptTokenGenerateResponse,
  decryptTokenRefreshResponse,
  hashEmail,
  normalizeEmail,
  parseIdentity,
  Uid2Error,
  type Uid2ErrorCode,
} from '../src/index.js';
import { toTokenGenerateRequest } from '../src/input.js';
import { isIssuedIdentity, issuedIdentitySchema } from '../src/schemas.js';
import { type LocalOperator, startLocalOperator } from '../src/testing/index.js';

const key = Buffer.alloc(32, 0x5a);
const secret = key.toString('base64');
const nonce = Buffer.from('0102030405060708', 'hex');
const runs = { numRuns: 300 };

function codeOf(run: () => unknown): Uid2ErrorCode | 'ok' {
  try {
    run();
    return 'ok';
  } catch (err) {
    if (!(err instanceof Uid2Error)) throw err;
    return err.code;
  }
}

/** One byte XOR-ed with `mask`, the bytes cut at `index`, or one byte appended. */
function mutate(bytes: Buffer, index: number, mask: number, how: 'flip' | 'cut' | 'extend'): Buffer {
  if (how === 'cut') return bytes.subarray(0, index);
  if (how === 'extend') return Buffer.concat([bytes, Buffer.from([mask])]);
  const copy = Buffer.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ mask;
  return copy;
}

const validBody = sealGenerateResponse(
  key,
  Date.now(),
  nonce,
  JSON.stringify({
    body: {
      advertising_token: 'A4AAAA',
      refresh_token: 'AAAAAA',
      // Valid for a day: a success that is already expired is refused (issue 8, point 8).
      identity_expires: Date.now() + 86_400_000,
      refresh_expires: Date.now() + 2 * 86_400_000,
      refresh_from: Date.now() + 3_600_000,
      refresh_response_key: secret,
    },
    status: 'success',
  }),
);

describe('decrypt functions only ever throw Uid2Error', () => {
  it('arbitrary strings and bytes give UID2_DECRYPT_FAILED', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 400 }),
          fc.uint8Array({ maxLength: 400 }),
          fc.base64String({ maxLength: 400 }),
        ),
        (body) => {
          expect(codeOf(() => decryptTokenGenerateResponse(secret, body, nonce))).toBe('UID2_DECRYPT_FAILED');
          expect(codeOf(() => decryptTokenRefreshResponse(body, secret))).toBe('UID2_DECRYPT_FAILED');
        },
      ),
      runs,
    );
  });

  it('mutated valid envelopes (flip, cut, extend) give UID2_DECRYPT_FAILED', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: validBody.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('flip' as const, 'cut' as const, 'extend' as const),
        (index, mask, how) => {
          const mutated = mutate(validBody, index, mask, how);
          expect(codeOf(() => decryptTokenGenerateResponse(secret, mutated.toString('base64'), nonce))).toBe(
            'UID2_DECRYPT_FAILED',
          );
        },
      ),
      runs,
    );
    expect(codeOf(() => decryptTokenGenerateResponse(secret, validBody.toString('base64'), nonce))).toBe(
      'ok',
    );
  });

  it('correctly encrypted arbitrary JSON gives a result or UID2_RESPONSE_INVALID, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.record({ status: fc.string(), body: fc.jsonValue() })),
        (value) => {
          const json = JSON.stringify(value) ?? 'null';
          const generate = sealGenerateResponse(key, 0, nonce, json).toString('base64');
          expect(['ok', 'UID2_RESPONSE_INVALID']).toContain(
            codeOf(() => decryptTokenGenerateResponse(secret, generate, nonce)),
          );
          const refresh = sealRefreshResponse(key, json).toString('base64');
          expect(['ok', 'UID2_RESPONSE_INVALID']).toContain(
            codeOf(() => decryptTokenRefreshResponse(refresh, secret, { now: 0 })),
          );
        },
      ),
      runs,
    );
  });

  it('a wrong nonce is always UID2_NONCE_MISMATCH', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (other) => {
        fc.pre(!Buffer.from(other).equals(nonce));
        expect(codeOf(() => decryptTokenGenerateResponse(secret, validBody.toString('base64'), other))).toBe(
          'UID2_NONCE_MISMATCH',
        );
      }),
      runs,
    );
  });

  it('parseIdentity on arbitrary JSON gives an identity or UID2_INVALID_IDENTITY', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
        ),
        (text) => {
          expect(['ok', 'UID2_INVALID_IDENTITY']).toContain(codeOf(() => parseIdentity(text)));
        },
      ),
      runs,
    );
  });
});

describe('normalisation never throws anything but UID2_INVALID_INPUT', () => {
  const anyString = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({
      unit: fc.constantFrom('a', 'B', ' ', '@', '.', '+', '\t', '\0', '\u00c4', '\ud800'),
      maxLength: 40,
    }),
    fc.emailAddress(),
  );

  it('normalizeEmail returns a string or null and is idempotent', () => {
    fc.assert(
      fc.property(anyString, (value) => {
        const once = normalizeEmail(value);
        if (once !== null) expect(normalizeEmail(once)).toBe(once);
        expect(['ok', 'UID2_INVALID_INPUT']).toContain(codeOf(() => hashEmail(value)));
      }),
      { numRuns: 1000 },
    );
  });

  it('every input shape: only UID2_INVALID_INPUT', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('email', 'phone', 'emailHash', 'phoneHash'),
        anyString,
        fc.option(anyString),
        (field, value, consent) => {
          const input = consent === null ? { [field]: value } : { [field]: value, tcfConsentString: consent };
          expect(['ok', 'UID2_INVALID_INPUT']).toContain(
            codeOf(() => toTokenGenerateRequest(input as never)),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a huge input is refused on its length, before any work (issue 8, point 3)', () => {
    const huge = `${'a'.repeat(2_000_000)}@example.com`;
    expect(codeOf(() => hashEmail(huge))).toBe('UID2_INVALID_INPUT');
    expect(codeOf(() => toTokenGenerateRequest({ phone: '+1'.repeat(1_000_000) }))).toBe(
      'UID2_INVALID_INPUT',
    );
  });
});

describe('envelope round trips', () => {
  it('any JSON sealed into a request envelope opens to the same JSON, timestamp and nonce', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 2 ** 47 }),
        (value, n, now) => {
          const json = JSON.stringify(value) ?? 'null';
          const { bytes } = sealRequestEnvelope(key, json, { now, nonce: n });
          expect(bytes[0]).toBe(1);
          expect(bytes.length).toBe(45 + Buffer.byteLength(json));
          const plain = gcmOpen(key, bytes, 1)!;
          expect(Number(plain.readBigInt64BE(0))).toBe(now);
          expect(plain.subarray(8, 16)).toEqual(Buffer.from(n));
          expect(plain.toString('utf8', 16)).toBe(json);
        },
      ),
      runs,
    );
  });
});

it('codeOf lets any other error through, so the properties above can fail', () => {
  expect(() => codeOf(() => JSON.parse('{'))).toThrow(SyntaxError);
});

describe('the local operator refuses mutated request envelopes', () => {
  let op: LocalOperator;
  beforeAll(async () => {
    op = await startLocalOperator();
  });
  afterAll(() => op.close());

  it('any single-byte change, cut or extension is answered 400 client_error, never 200 or 5xx', async () => {
    const opKey = Buffer.from(op.secretKey, 'base64');
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('flip' as const, 'cut' as const, 'extend' as const),
        async (at, mask, how) => {
          const { bytes } = sealRequestEnvelope(
            opKey,
            '{"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}',
          );
          const index = at % bytes.length;
          const mutated = mutate(bytes, index, mask, how);
          const res = await fetch(`${op.url}/v2/token/generate`, {
            method: 'POST',
            headers: { authorization: `Bearer ${op.apiKey}`, 'content-type': 'text/plain' },
            body: mutated.toString('base64'),
          });
          const body = (await res.json()) as { status: string };
          expect(res.status).toBe(400);
          expect(body.status).toBe('client_error');
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('the hand-written identity check agrees with the zod schema', () => {
  const valid = {
    advertising_token: 'A4AAAA',
    refresh_token: 'AAAAAA',
    identity_expires: 2,
    refresh_expires: 3,
    refresh_from: 1,
    refresh_response_key: Buffer.alloc(32, 1).toString('base64'),
  };
  const fieldValue = fc.oneof(
    fc.string({ maxLength: 50 }),
    fc.constantFrom('', valid.refresh_response_key, Buffer.alloc(16).toString('base64'), 'not base64!'),
    fc.integer(),
    fc.double(),
    fc.constantFrom(null, undefined, true, 2 ** 53, -0, Number.NaN, [], {}),
  );

  it('on identities with fields replaced, removed or added', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...Object.keys(valid), 'user_token', 'extra'), fieldValue, {
          maxKeys: 4,
        }),
        fc.subarray(Object.keys(valid)),
        (changes, removed) => {
          const candidate: Record<string, unknown> = { ...valid, ...changes };
          for (const key of removed) delete candidate[key];
          expect(isIssuedIdentity(candidate)).toBe(issuedIdentitySchema.safeParse(candidate).success);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(isIssuedIdentity(value)).toBe(issuedIdentitySchema.safeParse(value).success);
      }),
      runs,
    );
    expect(isIssuedIdentity(valid)).toBe(true);
  });
});

describe('decodeBase64Strict is exactly "canonical standard base64"', () => {
  const canonical = (text: string) =>
    text.length % 4 === 0 && Buffer.from(text, 'base64').toString('base64') === text;
  it('agrees with decode-then-re-encode on mutated and arbitrary text', () => {
    const alphabetish = fc.string({
      unit: fc.constantFrom(...'AQgwBb+/=-_ \n\u00e9'.split('')),
      maxLength: 16,
    });
    fc.assert(
      fc.property(
        fc.oneof(
          alphabetish,
          fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')),
          fc.string({ maxLength: 12 }),
        ),
        (text) => {
          expect(decodeBase64Strict(text) !== null).toBe(canonical(text));
          if (canonical(text)) expect(decodeBase64Strict(text)).toEqual(Buffer.from(text, 'base64'));
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
