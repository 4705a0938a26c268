/**
 * A minimal stand-in operator for the end-to-end benchmarks, run as its own process (child_process.fork)
 * so that its CPU is not the client's.
 *
 * Every `POST /v2/token/generate` costs the same: decrypt the request envelope with the secret, take its
 * nonce, seal one fixed success JSON (ts || nonce || JSON) with a fresh IV, answer base64 `text/plain`.
 * Every client, including the bare one (which resends one valid envelope), gets exactly that work.
 * Nothing is validated beyond what the decryption needs: this measures clients, not an operator.
 *
 * Reports `{ port }` to its parent over IPC when listening (or prints it without a parent).
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomFillSync } from 'node:crypto';
import http from 'node:http';
import { identityBody, SECRET_KEY, successJson } from './fixtures.mjs';

const key = createSecretKey(Buffer.from(SECRET_KEY, 'base64'));
const answerJson = Buffer.from(successJson(identityBody(Date.now())), 'utf8');

/** Decrypts a base64 request envelope; returns its 8-byte nonce or null. */
function requestNonce(text) {
  const envelope = Buffer.from(text, 'base64');
  if (envelope.length < 45 || envelope[0] !== 1) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, envelope.subarray(1, 13));
    decipher.setAuthTag(envelope.subarray(envelope.length - 16));
    const plaintext = decipher.update(envelope.subarray(13, envelope.length - 16));
    decipher.final();
    return plaintext.subarray(8, 16);
  } catch {
    return null;
  }
}

/** IV || GCM(ts || nonce || JSON) || tag, as base64. */
function sealAnswer(nonce) {
  const plaintext = Buffer.allocUnsafe(16 + answerJson.length);
  plaintext.writeBigInt64BE(BigInt(Date.now()), 0);
  nonce.copy(plaintext, 8);
  answerJson.copy(plaintext, 16);
  const iv = randomFillSync(Buffer.allocUnsafe(12));
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64');
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/v2/token/generate') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"status":"not_found"}');
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const nonce = requestNonce(Buffer.concat(chunks).toString('latin1'));
    if (nonce === null) {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"message":"Invalid body: Check encryption key (ClientSecret).","status":"client_error"}');
      return;
    }
    const body = sealAnswer(nonce);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }).end(body);
  });
});
// Clients keep connections for seconds between cells; never let the server be the one to drop them.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  if (process.send) process.send({ port });
  else console.log(JSON.stringify({ port }));
});
// The parent asks for CPU time around each cell, to show whether the server was the bottleneck.
process.on('message', (message) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
