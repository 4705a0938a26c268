/**
 * The client against an EUID-scoped local operator: TCF consent outcomes (PROTOCOL.md §4.2, §5.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublisherClient } from '../src/index.js';
import {
  buildTcfConsentString,
  EUID_REQUIRED_PURPOSES,
  type LocalOperator,
  startLocalOperator,
} from '../src/testing/index.js';

let op: LocalOperator;
let client: PublisherClient;

beforeAll(async () => {
  op = await startLocalOperator({ scope: 'euid' });
  client = new PublisherClient({ baseUrl: op.url, apiKey: op.apiKey, secretKey: op.secretKey });
});

afterAll(async () => {
  await client.close();
  await op.close();
});

describe('EUID consent', () => {
  it('sufficient consent gives an EUID identity (E4 / F4 tokens)', async () => {
    const tcfConsentString = buildTcfConsentString({
      purposesConsent: [...EUID_REQUIRED_PURPOSES],
      specialFeatureOptIns: [1],
      vendorConsent: [21],
    });
    const email = await client.generateToken({ email: 'eu@example.com', tcfConsentString });
    expect(email.status === 'success' && email.identity.advertising_token).toMatch(/^E4/);
    const phone = await client.generateToken({ phone: '+12345678901', tcfConsentString });
    expect(phone.status === 'success' && phone.identity.advertising_token).toMatch(/^F4/);
  });

  it("the Java SDK's test TC string is sufficient", async () => {
    const result = await client.generateToken({
      email: 'eu@example.com',
      tcfConsentString: 'CPhJRpMPhJRpMABAMBFRACBoALAAAEJAAIYgAKwAQAKgArABAAqAAA',
    });
    expect(result.status).toBe('success');
  });

  it('consent without vendor 21 gives insufficient_user_consent, a result and not an error', async () => {
    const tcfConsentString = buildTcfConsentString({
      purposesConsent: [...EUID_REQUIRED_PURPOSES],
      specialFeatureOptIns: [1],
      vendorConsent: [22],
    });
    expect(await client.generateToken({ email: 'eu@example.com', tcfConsentString })).toEqual({
      status: 'insufficient_user_consent',
    });
  });

  it('an unreadable TC string is UID2_BAD_REQUEST with the operator message', async () => {
    await expect(
      client.generateToken({ email: 'eu@example.com', tcfConsentString: 'notatcfstring' }),
    ).rejects.toMatchObject({
      code: 'UID2_BAD_REQUEST',
      httpStatus: 400,
      operatorStatus: 'client_error',
      operatorMessage: 'User consent is invalid',
    });
  });

  it('refresh works in EUID scope too', async () => {
    const result = await client.generateToken({
      email: 'refresh-optout@example.com',
      tcfConsentString: 'CPhJRpMPhJRpMABAMBFRACBoALAAAEJAAIYgAKwAQAKgArABAAqAAA',
    });
    if (result.status !== 'success') throw new Error('setup');
    expect(result.identity.refresh_token).toHaveLength(388);
    expect(await client.refreshToken(result.identity)).toEqual({ status: 'optout' });
  });
});
