import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Base64 } from '../src/input.js';
import {
  buildTcfConsentString,
  EUID_REQUIRED_PURPOSES,
  type LocalOperator,
  startLocalOperator,
} from '../src/testing/index.js';
import { rawGenerate } from './support/raw-http.js';

const INVALID = JSON.stringify({ message: 'Invalid Identifier', status: 'client_error' });

let op: LocalOperator;

/** Generates with `payload` (an object or raw JSON text) and decrypts a 200. */
const generate = (payload: unknown, target = op, apiKey?: string, secretKey?: string) =>
  rawGenerate(payload, target, apiKey, secretKey);

beforeAll(async () => {
  op = await startLocalOperator();
});
afterAll(() => op.close());

describe('test identities and opt-out (§9)', () => {
  it.each([
    [{ email: 'validate@example.com' }, 'success'],
    [{ phone: '+12345678901' }, 'success'],
    [{ email: 'optout@example.com' }, 'optout'],
    [{ email_hash: 'DYsnJ8r5+cjRDHue98gIGDKvLIMuqAm/RRLODrjqK50=' }, 'optout'],
    [{ phone: '+00000000000' }, 'optout'],
    [{ phone_hash: '313yQvZOTb0vjjEU7sTO/UWxGPzVppIbCyQEJEnfxLo=' }, 'optout'],
    [{ email: 'refresh-optout@example.com' }, 'success'],
    [{ phone: '+00000000002' }, 'success'],
  ])('%j -> %s', async (payload, status) => {
    const res = await generate(payload);
    expect(res.status).toBe(200);
    expect(res.decrypted?.status).toBe(status);
    if (status === 'optout') expect(res.decrypted).toEqual({ status: 'optout' });
  });

  it('applies the configured list and the optOut control, raw or hashed', async () => {
    const listed = await startLocalOperator({
      optOut: [{ email: 'Gone@Example.com' }, { phoneHash: sha256Base64('+15555550100') }],
    });
    try {
      expect((await generate({ email: 'gone@example.com' }, listed)).decrypted).toEqual({ status: 'optout' });
      expect((await generate({ phone: '+15555550100' }, listed)).decrypted).toEqual({ status: 'optout' });
      expect((await generate({ email: 'other@example.com' }, listed)).decrypted?.status).toBe('success');
      listed.optOut({ email: 'other@example.com' });
      expect((await generate({ email_hash: sha256Base64('other@example.com') }, listed)).decrypted).toEqual({
        status: 'optout',
      });
      // The validate identity bypasses the list.
      listed.optOut({ email: 'validate@example.com' });
      expect((await generate({ email: 'validate@example.com' }, listed)).decrypted?.status).toBe('success');
      expect(() => listed.optOut({ email: 'not an email' })).toThrow(/not valid/);
    } finally {
      await listed.close();
    }
  });
});

describe('EUID consent', () => {
  let euid: LocalOperator;
  beforeAll(async () => {
    euid = await startLocalOperator({ scope: 'euid' });
  });
  afterAll(() => euid.close());
  const JAVA_SAMPLE = 'CPhJRpMPhJRpMABAMBFRACBoALAAAEJAAIYgAKwAQAKgArABAAqAAA';
  const INVALID_CONSENT = JSON.stringify({ message: 'User consent is invalid', status: 'client_error' });

  it('accepts the Java test string (vendor 21: consent 1,3,4 and LI 2,7,10; special feature 1)', async () => {
    const res = await generate({ email: 'user@example.com', tcf_consent_string: JAVA_SAMPLE }, euid);
    expect(res.decrypted?.status).toBe('success');
  });

  it('answers insufficient_user_consent when a purpose, the vendor or geolocation is missing', async () => {
    const full = {
      purposesConsent: [...EUID_REQUIRED_PURPOSES],
      specialFeatureOptIns: [1],
      vendorConsent: [21],
    };
    expect(
      (await generate({ email: 'a@b.com', tcf_consent_string: buildTcfConsentString(full) }, euid)).decrypted
        ?.status,
    ).toBe('success');
    for (const spec of [
      { ...full, purposesConsent: [1, 2, 3, 4, 7] },
      { ...full, vendorConsent: [22] },
      { ...full, specialFeatureOptIns: [] },
    ]) {
      const res = await generate({ email: 'a@b.com', tcf_consent_string: buildTcfConsentString(spec) }, euid);
      expect(res.status).toBe(200);
      expect(res.decrypted).toEqual({ status: 'insufficient_user_consent' });
    }
  });

  it('rejects empty, null and unparsable strings', async () => {
    for (const tcf of [
      '',
      null,
      'not-a-tc-string!',
      'AA',
      'DPhJRpMPhJRpMABAMBFRACBoALAAAEJAAIYgAKwAQAKgArABAAqAAA',
    ]) {
      const res = await generate({ email: 'a@b.com', tcf_consent_string: tcf }, euid);
      expect([res.status, res.text]).toEqual([400, INVALID_CONSENT]);
    }
  });

  it('checks the identity before consent, and ignores consent without the key or on UID2', async () => {
    expect((await generate({ email: 'bad', tcf_consent_string: '' }, euid)).text).toBe(INVALID);
    expect((await generate({ email: 'a@b.com' }, euid)).decrypted?.status).toBe('success');
    expect((await generate({ email: 'a@b.com', tcf_consent_string: '' })).decrypted?.status).toBe('success');
  });
});
