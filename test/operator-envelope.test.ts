/**
 * The local operator's request-envelope checks (PROTOCOL.md §2.2 a–j), driven over raw HTTP with the
 * exact messages, the asymmetric timestamp window and binary mode with its text fallback.
 */

import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGenerateResponse, sealRequestEnvelope } from '../src/envelope.js';
import { decodeSecretKey } from '../src/keys.js';
import { type LocalOperator, startLocalOperator } from '../src/testing/index.js';

const HINT =
  ' See https://unifiedid.com/docs/getting-started/gs-encryption-decryption for details on the request envelope format.';
const UNENC =
  'Invalid body: The request body is unencrypted JSON. It must be an encrypted request envelope. See https://unifiedid.com/docs/getting-started/gs-encryption-decryption#encryption-and-decryption-code-examples for encryption and decryption code examples.';
const T = Date.UTC(2025, 5, 1, 12, 0, 0);

let op: LocalOperator;
let key: Buffer;

async function generate(body: string | Buffer, contentType = 'text/plain') {
  const res = await request(`${op.url}/v2/token/generate`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${op.apiKey}`, 'content-type': contentType },
  });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, type: res.headers['content-type'], bytes, text: bytes.toString('utf8') };
}

function clientError(message: string) {
  return JSON.stringify({ message, status: 'client_error' });
}

beforeAll(async () => {
  op = await startLocalOperator({ now: () => T });
  key = decodeSecretKey(op.secretKey);
});
afterAll(() => op.close());

describe('text mode checks a–j', () => {
  it('a: unencrypted JSON that is not base64', async () => {
    const res = await generate('{"email":"user@example.com"}');
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/json');
    expect(res.text).toBe(clientError(UNENC));
  });

  it('b: not base64 and not JSON', async () => {
    expect((await generate('not base64!')).text).toBe(
      clientError(`Invalid body: Body is not valid base64.${HINT}`),
    );
    // Java's decoder rejects whitespace and the URL-safe alphabet.
    const valid = sealRequestEnvelope(key, '{"email":"a@b.c"}', { now: T }).bytes.toString('base64');
    expect((await generate(`${valid}\n`)).status).toBe(400);
    expect((await generate(`${valid}\n`)).text).toBe(
      clientError(`Invalid body: Body is not valid base64.${HINT}`),
    );
    expect((await generate('-_-_')).text).toBe(clientError(`Invalid body: Body is not valid base64.${HINT}`));
  });

  it('c: empty body', async () => {
    expect((await generate('')).text).toBe(clientError('Invalid body: Body is missing.'));
  });

  it('d and e: short bodies', async () => {
    const shortJson = Buffer.from('{"version": 2}').toString('base64');
    expect((await generate(shortJson)).text).toBe(clientError(UNENC));
    expect((await generate('dGVzdA==')).text).toBe(
      clientError(`Invalid body: Body too short. Check encryption method.${HINT}`),
    );
    // Padding is optional for Java's basic decoder.
    expect((await generate('dGVzdA')).text).toBe(
      clientError(`Invalid body: Body too short. Check encryption method.${HINT}`),
    );
  });

  it('f and g: wrong version byte', async () => {
    const json = Buffer.from(`{"email_hash": "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=", "version": 2}`);
    expect((await generate(json.toString('base64'))).text).toBe(clientError(UNENC));
    const corrupt = Buffer.alloc(64, 2).toString('base64');
    expect((await generate(corrupt)).text).toBe(
      clientError(`Invalid body: Invalid request envelope format version: received 2, must be 1.${HINT}`),
    );
    const high = Buffer.alloc(64, 0xf0).toString('base64');
    expect((await generate(high)).text).toContain('received 240, must be 1.');
  });

  it('h: wrong secret or tampered envelope', async () => {
    const other = Buffer.alloc(32, 7);
    const sealed = sealRequestEnvelope(other, '{"email":"a@b.c"}', { now: T }).bytes;
    const expected = clientError(`Invalid body: Check encryption key (ClientSecret).${HINT}`);
    expect((await generate(sealed.toString('base64'))).text).toBe(expected);
    const tampered = sealRequestEnvelope(key, '{"email":"a@b.c"}', { now: T }).bytes;
    tampered[20] = (tampered[20] as number) ^ 1;
    expect((await generate(tampered.toString('base64'))).text).toBe(expected);
  });

  it('h before i: a wrong key with a bad timestamp reports the key', async () => {
    const sealed = sealRequestEnvelope(Buffer.alloc(32, 9), '{}', { now: T - 10 * 60_000 }).bytes;
    expect((await generate(sealed.toString('base64'))).text).toContain('Check encryption key');
  });

  it('j: plaintext that is not a JSON object', async () => {
    for (const json of ['[1,2]', 'garbage', '"text"', 'null']) {
      const sealed = sealRequestEnvelope(key, json, { now: T }).bytes;
      expect((await generate(sealed.toString('base64'))).text).toBe(
        clientError('Invalid payload in body: Data is not valid json string.'),
      );
    }
  });

  it('a 16-byte plaintext gets Required Parameter Missing', async () => {
    const sealed = sealRequestEnvelope(key, '', { now: T }).bytes;
    expect((await generate(sealed.toString('base64'))).text).toBe(
      clientError(
        'Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified',
      ),
    );
  });
});

describe('timestamp window (i), moved with the clock control', () => {
  const TOO_OLD = clientError('Invalid timestamp: Request too old or client time drift.');
  const cases: [string, number, boolean][] = [
    ['119 999 ms old', 119_999, true],
    ['120 000 ms old', 120_000, false],
    ['119 000 ms in the future', -119_000, true],
    ['119 001 ms in the future', -119_001, false],
  ];
  for (const [name, offset, accepted] of cases) {
    it(name, async () => {
      op.setClockOffset(offset);
      try {
        const { bytes, nonce } = sealRequestEnvelope(key, '{"email":"user@example.com"}', { now: T });
        const res = await generate(bytes.toString('base64'));
        if (accepted) {
          expect(res.status).toBe(200);
          const opened = openGenerateResponse(key, res.text, nonce);
          expect(opened.timestamp).toBe(T + offset);
        } else {
          expect(res.status).toBe(400);
          expect(res.text).toBe(TOO_OLD);
        }
      } finally {
        op.setClockOffset(0);
      }
    });
  }
});

describe('binary mode', () => {
  it('answers raw bytes to a raw envelope', async () => {
    const { bytes, nonce } = sealRequestEnvelope(key, '{"phone":"+12345678901"}', { now: T });
    const res = await generate(bytes, 'application/octet-stream');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/octet-stream');
    expect(JSON.parse(openGenerateResponse(key, res.bytes, nonce).json).status).toBe('success');
  });

  it('matches the content type case-insensitively, but only as the whole value', async () => {
    const { bytes } = sealRequestEnvelope(key, '{"phone":"+12345678901"}', { now: T });
    expect((await generate(bytes, 'Application/Octet-Stream')).type).toBe('application/octet-stream');
    // With a parameter it is text mode: raw bytes are then not base64.
    expect((await generate(bytes, 'application/octet-stream; charset=utf-8')).text).toBe(
      clientError(`Invalid body: Body is not valid base64.${HINT}`),
    );
  });

  it('falls back to base64 text and answers in text mode', async () => {
    const { bytes, nonce } = sealRequestEnvelope(key, '{"phone":"+12345678901"}', { now: T });
    const res = await generate(bytes.toString('base64'), 'application/octet-stream');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain');
    expect(JSON.parse(openGenerateResponse(key, res.text, nonce).json).status).toBe('success');
  });

  it('the fallback diagnosis wins once the text decodes', async () => {
    const b64json = Buffer.from('{"email_hash": "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}').toString(
      'base64',
    );
    expect((await generate(b64json, 'application/octet-stream')).text).toBe(clientError(UNENC));
    const b64corrupt = Buffer.alloc(64, 2).toString('base64');
    expect((await generate(b64corrupt, 'application/octet-stream')).text).toContain('received 2, must be 1.');
  });

  it('a genuinely binary body keeps the binary error', async () => {
    expect((await generate(Buffer.alloc(64, 2), 'application/octet-stream')).text).toBe(
      clientError(`Invalid body: Invalid request envelope format version: received 2, must be 1.${HINT}`),
    );
    expect((await generate(Buffer.alloc(0), 'application/octet-stream')).text).toBe(
      clientError('Invalid body: Body is missing.'),
    );
  });
});

describe('operator V2RequestUtilTest vectors', () => {
  const vector = JSON.parse(
    readFileSync(new URL('./fixtures/vectors/operator-v2request.json', import.meta.url), 'utf8'),
  ) as {
    error_cases: { body: string; message_prefix: string }[];
  };
  for (const { body, message_prefix } of vector.error_cases) {
    it(`rejects ${JSON.stringify(body).slice(0, 30)}`, async () => {
      const res = await generate(body);
      expect(res.status).toBe(400);
      const parsed = JSON.parse(res.text) as { message: string; status: string };
      expect(parsed.status).toBe('client_error');
      expect(parsed.message.startsWith(message_prefix)).toBe(true);
    });
  }
});

describe('EUID scope', () => {
  it('points the hint at euid.eu', async () => {
    const euid = await startLocalOperator({ scope: 'euid' });
    try {
      const res = await request(`${euid.url}/v2/token/generate`, {
        method: 'POST',
        body: 'not base64!',
        headers: { authorization: `Bearer ${euid.apiKey}` },
      });
      expect(await res.body.text()).toBe(
        clientError(
          'Invalid body: Body is not valid base64. See https://euid.eu/docs/getting-started/gs-encryption-decryption for details on the request envelope format.',
        ),
      );
    } finally {
      await euid.close();
    }
  });
});
