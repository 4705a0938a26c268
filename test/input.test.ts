import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type GenerateInput, hashEmail, hashPhone, isNormalizedPhone, normalizeEmail } from '../src/index.js';
import { normalizeHash, toTokenGenerateRequest } from '../src/input.js';

const shared = new URL('./fixtures/vectors/', import.meta.url);
const docs = JSON.parse(readFileSync(new URL('docs-normalization.json', shared), 'utf8'));
const java = JSON.parse(readFileSync(new URL('java-publisher-tests.json', shared), 'utf8'));

const invalidCode = expect.objectContaining({ name: 'Uid2Error', code: 'UID2_INVALID_INPUT' });

describe('email normalisation: the docs examples (uid2docs gs-normalization-encoding)', () => {
  for (const example of docs.emails) {
    for (const input of example.inputs) {
      it(`${input} -> ${example.normalized}`, () => {
        expect(normalizeEmail(input)).toBe(example.normalized);
        expect(hashEmail(input)).toBe(example.hash_b64);
        if (example.hash_hex)
          expect(Buffer.from(example.hash_b64, 'base64').toString('hex')).toBe(example.hash_hex);
      });
    }
  }
});

describe("email normalisation: the operator's InputNormalizationTest vectors (PROTOCOL.md §6.5)", () => {
  const vectors: [string, string, string][] = [
    ['TEst.TEST@Test.com ', 'test.test@test.com', 'dvECjPKZHya0/SIhSGwP0m8SgTv1vzLxPULUOsm880M='],
    ['test.test@gmail.com', 'testtest@gmail.com', 'LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw='],
    ['TEst.TEst+123@GMail.Com', 'testtest@gmail.com', 'LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw='],
    ['test+test@test.com', 'test+test@test.com', 'rQ4yzdOz4uG8N54326QyZD6/JwqrXn4lmy34cVCojB8='],
    ['+test@test.com', '+test@test.com', 'weFizOVVWKlLfyorbBU8oxYDv4HJtTZCPMyZ4THzUQE='],
    ['test+test@gmail.com', 'test@gmail.com', 'h5JGBrQTGorO7q6IaFMfu5cSqqB6XTp1aybOD11spnQ='],
    ['  testtest@test.com  ', 'testtest@test.com', 'd1Lr/s4GLLX3SvQVMoQdIMfbQPMAGZYry+2V+0pZlQg='],
    [
      '\u{1F60A}testtest@test.com',
      '\u{1F60A}testtest@test.com',
      'fAFEUqApQ0V/M9mLj/IO54CgKgtQuARKsOMqtFklD4k=',
    ],
    [
      'JaneSaoirse+UID2@example.com',
      'janesaoirse+uid2@example.com',
      'bhQ2aMIGWT1ey4p7JyavdNlIQ4pe11/rrcv0u1jrxCc=',
    ],
  ];
  for (const [input, normalized, hash] of vectors) {
    it(`${JSON.stringify(input)} -> ${normalized}`, () => {
      expect(normalizeEmail(input)).toBe(normalized);
      expect(hashEmail(input)).toBe(hash);
    });
  }

  const invalid = [
    '',
    ' @',
    '@',
    'a@',
    '@b',
    '@b.com',
    '+',
    ' ',
    '+@gmail.com',
    '.+@gmail.com',
    'a@ba@z.com',
    ...java.invalid_emails,
  ];
  for (const input of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      expect(normalizeEmail(input)).toBeNull();
      expect(() => hashEmail(input)).toThrow(invalidCode);
    });
  }
});

describe('email normalisation: operator quirks kept on purpose (PROTOCOL.md §6.1)', () => {
  it('drops every space before @, not only leading ones (Python differs)', () => {
    expect(normalizeEmail('jane doe@example.com')).toBe('janedoe@example.com');
  });
  it('keeps interior domain spaces, drops trailing ones', () => {
    expect(normalizeEmail('a@exa mple.com  ')).toBe('a@exa mple.com');
  });
  it('lowercases ASCII only', () => {
    expect(normalizeEmail('ÄBC@Example.COM')).toBe('Äbc@example.com');
  });
  it('treats googlemail.com like any domain', () => {
    expect(normalizeEmail('j.d+x@googlemail.com')).toBe('j.d+x@googlemail.com');
  });
  it('keeps tabs as ordinary characters and accepts a@b', () => {
    expect(normalizeEmail('a\tb@c')).toBe('a\tb@c');
  });
  it('is idempotent on what it returns', () => {
    for (const input of ['Jane.Doe+x@GMAIL.com', ' A B @c d ', 'x@y']) {
      const once = normalizeEmail(input)!;
      expect(normalizeEmail(once)).toBe(once);
    }
  });
  it('refuses lone surrogates, which Java and Node would encode differently', () => {
    expect(() => hashEmail('a\uD800@b.com')).toThrow(invalidCode);
  });
});

describe('phones', () => {
  it('hashes the docs phone', () => {
    for (const phone of docs.phones) expect(hashPhone(phone.phone)).toBe(phone.hash_b64);
  });
  it('accepts + and 10 to 15 ASCII digits only', () => {
    expect(isNormalizedPhone('+1234567890')).toBe(true);
    expect(isNormalizedPhone('+123456789012345')).toBe(true);
    for (const bad of [
      '+123456789',
      '+1234567890123456',
      '+1234567890 ',
      '+12345+67890',
      '(555) 555-5555',
      '12345678901',
      '+١٢٣٤٥٦٧٨٩٠١',
      ...java.unnormalized_phones,
    ]) {
      expect(isNormalizedPhone(bad)).toBe(false);
      expect(() => hashPhone(bad)).toThrow(invalidCode);
    }
  });
});

describe('given hashes (PROTOCOL.md §6.4)', () => {
  const base64 = 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=';
  const hexHash = 'b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514';
  it('keeps 44-char base64 of 32 bytes', () => expect(normalizeHash(base64, 'emailHash')).toBe(base64));
  it('converts 64-char hex, either case', () => {
    expect(normalizeHash(hexHash, 'emailHash')).toBe(base64);
    expect(normalizeHash(hexHash.toUpperCase(), 'phoneHash')).toBe(base64);
  });
  it('converts the operator test vector DH5q... <-> 0c7e6a40...', () => {
    expect(Buffer.from('DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs=', 'base64').toString('hex')).toMatch(
      /^0c7e6a40.*8a3b$/,
    );
  });
  for (const bad of [
    base64.slice(0, 43),
    `${base64.slice(0, 43)}A`,
    `${hexHash}00`,
    `${hexHash.slice(0, 63)}g`,
    base64.replace('/', '_'),
    '',
    ' '.repeat(44),
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      expect(() => normalizeHash(bad, 'emailHash')).toThrow(invalidCode);
    });
  }
});

describe('generate inputs', () => {
  it('sends hashes only, with tcf_consent_string second', () => {
    expect(
      JSON.stringify(toTokenGenerateRequest({ email: 'USER@example.com', tcfConsentString: 'CPh.x-y_z' })),
    ).toBe('{"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=","tcf_consent_string":"CPh.x-y_z"}');
    expect(toTokenGenerateRequest({ phone: '+12345678901' })).toEqual({
      phone_hash: 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=',
    });
  });
  const bad: [string, unknown][] = [
    ['null', null],
    ['a string', 'user@example.com'],
    ['an array', ['user@example.com']],
    ['no identifier', {}],
    ['two identifiers', { email: 'a@b.com', phone: '+12345678901' }],
    ['a typo', { emial: 'a@b.com' }],
    ['a non-string email', { email: 42 }],
    ['an empty consent string', { email: 'a@b.com', tcfConsentString: '' }],
    ['a consent string with spaces', { email: 'a@b.com', tcfConsentString: 'a b' }],
  ];
  for (const [label, input] of bad) {
    it(`rejects ${label} with UID2_INVALID_INPUT`, () => {
      expect(() => toTokenGenerateRequest(input as GenerateInput)).toThrow(invalidCode);
    });
  }
  it('never puts the raw value in the error message', () => {
    let thrown: unknown;
    try {
      toTokenGenerateRequest({ email: 'secret.person@@example.com' });
    } catch (err) {
      thrown = err;
    }
    // Outside the try: a missing throw fails here instead of being swallowed by the catch.
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as { code?: string }).code).toBe('UID2_INVALID_INPUT');
    expect(String((thrown as Error).message)).not.toContain('secret.person');
  });
});
