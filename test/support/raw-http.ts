/**
 * Raw HTTP to the local operator, for tests that must not go through the client.
 */

import { request } from 'undici';
import { openGenerateResponse, sealRequestEnvelope } from '../../src/envelope.js';
import { decodeSecretKey } from '../../src/keys.js';
import type { LocalOperator } from '../../src/testing/index.js';

/** POSTs and reads the whole answer as text. */
export async function post(
  target: LocalOperator,
  path: string,
  body: string | Buffer,
  headers: Record<string, string>,
) {
  const res = await request(`${target.url}${path}`, { method: 'POST', body, headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** Generates with `payload` (an object or raw JSON text) in a real envelope and decrypts a 200. */
export async function rawGenerate(
  payload: unknown,
  target: LocalOperator,
  apiKey = target.apiKey,
  secretKey = target.secretKey,
) {
  const key = decodeSecretKey(secretKey);
  const json = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const { bytes, nonce } = sealRequestEnvelope(key, json);
  const res = await post(target, '/v2/token/generate', bytes.toString('base64'), {
    authorization: `Bearer ${apiKey}`,
    'content-type': 'text/plain',
  });
  const decrypted =
    res.status === 200
      ? (JSON.parse(openGenerateResponse(key, res.text, nonce).json) as Record<string, unknown>)
      : undefined;
  return { ...res, decrypted };
}
