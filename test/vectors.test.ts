import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBase64Strict } from '../src/base64.js';
import { gcmOpen, openGenerateResponse } from '../src/envelope.js';
import {
  decryptTokenGenerateResponse,
  decryptTokenRefreshResponse,
  encryptRequestEnvelope,
  encryptTokenGenerateRequest,
  type GenerateInput,
} from '../src/index.js';

const shared = new URL('./fixtures/vectors/', import.meta.url);
const json = (name: string) => JSON.parse(readFileSync(new URL(name, shared), 'utf8'));
const text = (name: string) => readFileSync(new URL(name, shared), 'utf8');

const java = json('java-publisher-tests.json');
const operator = json('operator-v2request.json');
const mobileKeys = json('mobile/refresh-vector-keys.json');
const hex = (value: string) => Buffer.from(value, 'hex');
const pinned = { now: java.timestamp_ms, nonce: hex(java.nonce_hex), iv: hex(java.iv_hex) };

function inputOf(vector: {
  identity_type: string;
  value: string;
  hashing: string;
  tc_string: string | null;
}): GenerateInput {
  const consent = vector.tc_string === null ? {} : { tcfConsentString: vector.tc_string };
  if (vector.hashing === 'prehashed') {
    return vector.identity_type === 'email'
      ? { emailHash: vector.value, ...consent }
      : { phoneHash: vector.value, ...consent };
  }
  return vector.identity_type === 'email'
    ? { email: vector.value, ...consent }
    : { phone: vector.value, ...consent };
}

describe('request envelopes (Java SDK PublisherTests vectors)', () => {
  for (const vector of java.request_envelopes) {
    it(`${vector.name} matches to the byte`, () => {
      if (vector.hashing === 'none') {
        // The Java SDK's doNotHash mode sends the raw value; our client never does, the envelope still must.
        const request = { [vector.identity_type]: vector.value };
        expect(encryptRequestEnvelope(java.secret, request, pinned).body).toBe(vector.expected_envelope);
        return;
      }
      const { body, nonce } = encryptTokenGenerateRequest(java.secret, inputOf(vector), pinned);
      expect(body).toBe(vector.expected_envelope);
      expect(Buffer.from(nonce).toString('hex')).toBe(java.nonce_hex);
      for (const equivalent of vector.equivalent_values ?? []) {
        const again = encryptTokenGenerateRequest(
          java.secret,
          inputOf({ ...vector, value: equivalent }),
          pinned,
        );
        expect(again.body).toBe(vector.expected_envelope);
      }
    });
  }

  it('every request vector starts with the version byte and the pinned IV', () => {
    for (const vector of java.request_envelopes)
      expect(vector.expected_envelope.startsWith(java.expected_envelope_prefix)).toBe(true);
    const bytes = decodeBase64Strict(java.request_envelopes[0].expected_envelope)!;
    expect(bytes[0]).toBe(1);
    expect(bytes.subarray(1, 13).toString('hex')).toBe(java.iv_hex);
  });
});

describe("the operator's own request vector (V2RequestUtilTest)", () => {
  it('decrypts to the expected payload, timestamp and a 16-byte prefix', () => {
    const key = Buffer.from(operator.client_secret, 'base64');
    const bytes = decodeBase64Strict(operator.valid_envelope_base64)!;
    expect(bytes[0]).toBe(1);
    const plaintext = gcmOpen(key, bytes, 1)!;
    expect(plaintext).not.toBeNull();
    expect(JSON.parse(plaintext.toString('utf8', 16))).toEqual(operator.expected_payload);
    // The vector was made at about the recorded `now`, within the operator's two-minute window.
    expect(Math.abs(Number(plaintext.readBigInt64BE(0)) - operator.now_ms)).toBeLessThan(120_000);
  });

  it('re-encrypting its payload with its own timestamp, nonce and IV reproduces it exactly', () => {
    const key = Buffer.from(operator.client_secret, 'base64');
    const bytes = decodeBase64Strict(operator.valid_envelope_base64)!;
    const plaintext = gcmOpen(key, bytes, 1)!;
    const again = encryptRequestEnvelope(operator.client_secret, plaintext.toString('utf8', 16), {
      now: Number(plaintext.readBigInt64BE(0)),
      nonce: plaintext.subarray(8, 16),
      iv: bytes.subarray(1, 13),
    });
    expect(again.body).toBe(operator.valid_envelope_base64);
  });
});

describe('captured generate response (Java decryptGenerateResponse)', () => {
  const vector = java.generate_response;

  it('decrypts to the recorded identity JSON with the recorded timestamp', () => {
    const opened = openGenerateResponse(
      Buffer.from(java.secret, 'base64'),
      vector.body,
      hex(vector.expected_nonce_hex),
    );
    expect(opened.timestamp).toBe(1668056199629);
    const result = decryptTokenGenerateResponse(java.secret, vector.body, hex(vector.expected_nonce_hex));
    expect(result.status).toBe(vector.expected_status);
    if (result.status !== 'success') throw new Error('unreachable');
    expect(result.identityJson).toBe(vector.expected_identity_json);
    expect(result.identity.refresh_response_key).toBe('P941vVeuyjaDRVnFQ8DPd0AZnW4bPeiJPXER2K9QXcU=');
    expect(result.identity.user_token).toBeTypeOf('string');
  });

  it('refuses another nonce with UID2_NONCE_MISMATCH', () => {
    const wrong = hex(vector.expected_nonce_hex);
    wrong[7] = (wrong[7] ?? 0) ^ 1;
    expect(() => decryptTokenGenerateResponse(java.secret, vector.body, wrong)).toThrow(
      expect.objectContaining({ code: 'UID2_NONCE_MISMATCH' }),
    );
  });

  it('refuses another secret with UID2_DECRYPT_FAILED', () => {
    expect(() =>
      decryptTokenGenerateResponse(operator.client_secret, vector.body, hex(vector.expected_nonce_hex)),
    ).toThrow(expect.objectContaining({ code: 'UID2_DECRYPT_FAILED', message: 'decryption failed' }));
  });
});

describe('captured refresh responses (Java and mobile SDK fixtures)', () => {
  it('Java decryptRefreshResponse decrypts to the recorded identity', () => {
    for (const vector of java.refresh_responses) {
      const result = decryptTokenRefreshResponse(vector.body, vector.refresh_response_key, {
        now: 1668056200000,
      });
      expect(result.status).toBe(vector.expected.status);
      if (result.status === 'success') {
        expect(JSON.parse(result.identityJson)).toEqual(vector.expected.body);
      }
    }
  });

  it('mobile success and opt-out envelopes decrypt to the recorded JSON', () => {
    for (const vector of mobileKeys.vectors) {
      const body = text(`mobile/${vector.encrypted_file}`).trim();
      const expected = json(`mobile/${vector.expected_plaintext_json}`);
      const now = expected.body?.refresh_from ?? 0;
      const result = decryptTokenRefreshResponse(body, vector.refresh_response_key, { now });
      expect(result.status).toBe(expected.status);
      if (result.status === 'success') expect(JSON.parse(result.identityJson)).toEqual(expected.body);
      expect(decodeBase64Strict(body)?.length).toBe(vector.decoded_envelope_bytes);
    }
  });

  it('refresh responses have no prefix: the optout plaintext is exactly {"status":"optout"}', () => {
    const key = decodeBase64Strict(mobileKeys.vectors[1].refresh_response_key)!;
    const body = decodeBase64Strict(text('mobile/refresh-token-200-optout-encrypted.txt').trim())!;
    expect(gcmOpen(key, body)?.toString('utf8')).toBe('{"status":"optout"}');
  });

  it('a v1 identity (no refresh_response_key) accepts a plain-JSON answer', () => {
    const decrypted = text('mobile/refresh-token-200-success-decrypted.json');
    const result = decryptTokenRefreshResponse(decrypted, undefined, { now: 1 });
    expect(result.status).toBe('success');
  });
});
