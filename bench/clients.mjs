/**
 * The three clients of the end-to-end benchmark, each a `call()` returning a promise of one completed
 * generate, and the helper that starts the bench server in its own process.
 *
 * - ours: PublisherClient.generateToken, defaults (own keep-alive Agent, retries, deadline).
 * - minimal: the protocol's floor, hand-written: one hash, one encrypt, one undici `request` on a
 *   keep-alive Agent, one decrypt + nonce check, one JSON.parse. What every UID2 client must do.
 * - bare: undici `request` on a keep-alive Agent sending one fixed valid envelope; no crypto at all.
 */
import { fork } from 'node:child_process';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { PublisherClient } from '../dist/index.js';
import { API_KEY, EMAILS, FIXED_NONCE, SECRET_KEY } from './fixtures.mjs';

const CLIENT_VERSION = 'uid2-publisher-bench';

/**
 * Forks a server script (default bench/server.mjs); resolves with what it reported when ready (e.g.
 * `{ port }`), `cpuMicros()` (its CPU time so far), `stop()` and the `child` itself.
 */
export function startProcess(script = './server.mjs') {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stop = () =>
    new Promise((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  const cpuMicros = () =>
    new Promise((resolve) => {
      child.once('message', ({ cpu }) => resolve(cpu.user + cpu.system));
      child.send('cpu');
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited early (code ${code})`)));
    child.once('message', (ready) => {
      child.removeAllListeners('exit');
      resolve({ ...ready, cpuMicros, stop, child });
    });
  });
}

/** Starts bench/server.mjs; adds its `baseUrl`. */
export async function startServer() {
  const server = await startProcess('./server.mjs');
  return { ...server, baseUrl: `http://127.0.0.1:${server.port}` };
}

/** The Agent settings of the hand-written clients: those of the library's own Agent (`extra` added). */
export function keepAliveAgent(extra = {}) {
  return new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000, ...extra });
}

function headers(apiKey = API_KEY) {
  return {
    authorization: `Bearer ${apiKey}`,
    'content-type': 'text/plain',
    'x-uid2-client-version': CLIENT_VERSION,
  };
}

/**
 * PublisherClient with its defaults (another build's class can be given, to compare a prototype).
 * `options` are extra client options (e.g. a `dispatcher`); `client` is exposed for warmUp and the like.
 */
export function oursClient(
  baseUrl,
  { Client = PublisherClient, name = 'ours', apiKey = API_KEY, secretKey = SECRET_KEY, options = {} } = {},
) {
  const client = new Client({ baseUrl, apiKey, secretKey, ...options });
  let i = 0;
  return {
    name,
    async call() {
      const result = await client.generateToken({ email: EMAILS[i++ & 255] });
      if (result.status !== 'success') throw new Error(`unexpected status ${result.status}`);
      return result.identityJson;
    },
    close: () => client.close(),
    client,
  };
}

/** The protocol's floor over HTTP: the least code a correct UID2 generate can be. */
export function minimalClient(
  baseUrl,
  {
    apiKey = API_KEY,
    secretKey = SECRET_KEY,
    agent = keepAliveAgent(),
    name = 'minimal',
    reset = false,
  } = {},
) {
  const key = createSecretKey(Buffer.from(secretKey, 'base64'));
  const url = `${baseUrl}/v2/token/generate`;
  const fixedHeaders = headers(apiKey);
  let i = 0;
  // reset: ask for `Connection: close`, so every call opens a new connection (a client without reuse).
  const requestOptions = { method: 'POST', dispatcher: agent, headers: fixedHeaders, reset };
  return {
    name,
    async call() {
      const hash = createHash('sha256')
        .update(EMAILS[i++ & 255].toLowerCase())
        .digest('base64');
      const random = randomFillSync(Buffer.allocUnsafe(20));
      const nonce = random.subarray(0, 8);
      const iv = random.subarray(8);
      const payload = `{"email_hash":"${hash}"}`;
      const plaintext = Buffer.allocUnsafe(16 + payload.length);
      plaintext.writeBigInt64BE(BigInt(Date.now()), 0);
      nonce.copy(plaintext, 8);
      plaintext.write(payload, 16, 'latin1');
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = cipher.update(plaintext);
      cipher.final();
      const body = Buffer.concat([Buffer.of(1), iv, sealed, cipher.getAuthTag()]).toString('base64');
      const res = await request(url, { ...requestOptions, body });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      const answer = Buffer.from(text, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, answer.subarray(0, 12));
      decipher.setAuthTag(answer.subarray(answer.length - 16));
      const opened = decipher.update(answer.subarray(12, answer.length - 16));
      decipher.final();
      if (!timingSafeEqual(opened.subarray(8, 16), nonce)) throw new Error('nonce mismatch');
      const parsed = JSON.parse(opened.toString('utf8', 16));
      if (parsed.status !== 'success') throw new Error(`unexpected status ${parsed.status}`);
      return parsed;
    },
    close: () => agent.close(),
  };
}

/** undici alone: a fixed valid envelope (pinned nonce), the answer read as text and dropped. */
export function bareClient(baseUrl) {
  const key = createSecretKey(Buffer.from(SECRET_KEY, 'base64'));
  const plaintext = Buffer.concat([Buffer.alloc(8), FIXED_NONCE, Buffer.from('{"email_hash":"x"}')]);
  const iv = Buffer.alloc(12, 7);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const body = Buffer.concat([Buffer.of(1), iv, sealed, cipher.getAuthTag()]).toString('base64');
  const agent = keepAliveAgent();
  const url = `${baseUrl}/v2/token/generate`;
  const fixedHeaders = headers();
  return {
    name: 'bare',
    async call() {
      const res = await request(url, { method: 'POST', dispatcher: agent, headers: fixedHeaders, body });
      const text = await res.body.text();
      if (res.statusCode !== 200 || text.length === 0) throw new Error(`HTTP ${res.statusCode}`);
      return text;
    },
    close: () => agent.close(),
  };
}

/**
 * The floor of a refresh over HTTP: POST the refresh token, base64-decode and decrypt the answer with the
 * identity's refresh_response_key, one JSON.parse. `identities` are parsed identity bodies.
 */
export function minimalRefreshClient(baseUrl, identities, { apiKey = API_KEY } = {}) {
  const agent = keepAliveAgent();
  const url = `${baseUrl}/v2/token/refresh`;
  const fixedHeaders = headers(apiKey);
  const keys = identities.map((identity) => Buffer.from(identity.refresh_response_key, 'base64'));
  let i = 0;
  return {
    name: 'minimal',
    async call() {
      const k = i++ % identities.length;
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: fixedHeaders,
        body: identities[k].refresh_token,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      const answer = Buffer.from(text, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', keys[k], answer.subarray(0, 12));
      decipher.setAuthTag(answer.subarray(answer.length - 16));
      const opened = decipher.update(answer.subarray(12, answer.length - 16));
      decipher.final();
      const parsed = JSON.parse(opened.toString('utf8'));
      if (parsed.status !== 'success') throw new Error(`unexpected status ${parsed.status}`);
      return parsed;
    },
    close: () => agent.close(),
  };
}
