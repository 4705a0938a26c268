/**
 * The phone-ready local operator (issue 11 point 4) and its HTTP/2 listener (issue 12 point 2): a
 * real TLS handshake against a certificate generated at start, trusted through `op.ca` only.
 */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:http2';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PublisherClient } from '../src/client.js';
import { type LocalOperator, startLocalOperator } from '../src/testing/index.js';
import { generateCertificate } from '../src/testing/tls.js';
import { rawSecretCall } from './support/operator-fixture.js';

let op: LocalOperator;
let trusting: Agent;

beforeAll(async () => {
  op = await startLocalOperator({ tls: true, tlsHosts: ['dev.example.test', '192.168.1.20'] });
  trusting = new Agent({ connect: { ca: op.ca as string } });
});
afterAll(async () => {
  await op.close();
  await trusting.close();
});

function clientFor(target: LocalOperator, dispatcher?: Agent) {
  return new PublisherClient({
    baseUrl: target.url,
    apiKey: target.apiKey,
    secretKey: target.secretKey,
    retries: 0,
    ...(dispatcher === undefined ? {} : { dispatcher }),
  });
}

describe('tls: true', () => {
  it('serves https on 127.0.0.1 and exposes the certificate as op.ca', () => {
    expect(op.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const cert = new X509Certificate(op.ca as string);
    const names = (cert.subjectAltName ?? '').split(', ');
    expect(names).toEqual(
      expect.arrayContaining([
        'IP Address:127.0.0.1',
        'IP Address:0:0:0:0:0:0:0:1',
        'DNS:localhost',
        'IP Address:10.0.2.2',
        'DNS:dev.example.test',
        'IP Address:192.168.1.20',
      ]),
    );
    expect(cert.ca).toBe(true); // installable as a CA on an emulator or simulator
    expect(cert.checkIssued(cert)).toBe(true); // self-signed
    expect(Date.parse(cert.validFrom)).toBeLessThan(Date.now() - 3600_000); // a lagging clock still accepts it
    expect(op.ca).not.toContain('PRIVATE KEY');
  });

  it('a client trusting op.ca gets an identity over HTTPS', async () => {
    const client = clientFor(op, trusting);
    try {
      const result = await client.generateToken({ email: 'tls@example.com' });
      expect(result.status).toBe('success');
      if (result.status !== 'success') return;
      expect(result.identity.advertising_token).toMatch(/^A4/);
      expect(JSON.parse(result.identityJson).refresh_token).toHaveLength(388);
    } finally {
      await client.close();
    }
  });

  it('a client that does not trust it fails with UID2_NETWORK', async () => {
    const client = clientFor(op);
    try {
      await expect(client.generateToken({ email: 'tls@example.com' })).rejects.toMatchObject({
        name: 'Uid2Error',
        code: 'UID2_NETWORK',
      });
    } finally {
      await client.close();
    }
    expect(op.stats().byEndpoint.generate).toBe(1); // only the trusting client's request arrived
  });

  it('validate and the controls work over TLS; the controls want the https origin', async () => {
    const issued = await rawSecretCall(
      op,
      '/v2/token/generate',
      { email: 'v@example.com' },
      { dispatcher: trusting },
    );
    const token = (issued.decrypted as { body: { advertising_token: string } }).body.advertising_token;
    const checked = await rawSecretCall(
      op,
      '/v2/token/validate',
      { token, email: 'v@example.com' },
      { dispatcher: trusting },
    );
    expect(checked.decrypted).toEqual({ body: true, status: 'success' });
    const port = new URL(op.url).port;
    const controlWith = async (origin: string) => {
      const res = await request(`${op.url}/_local/stats/reset`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        dispatcher: trusting,
      });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await controlWith(`http://127.0.0.1:${port}`)).toBe(403);
    expect(await controlWith(`https://127.0.0.1:${port}`)).toBe(200);
    expect(await controlWith(`https://dev.example.test:${port}`)).toBe(200);
  });
});

describe('tls: { cert, key }', () => {
  it("serves the caller's own certificate; op.ca is that certificate (or the given ca)", async () => {
    const own = await generateCertificate();
    const custom = await startLocalOperator({ tls: { cert: own.cert, key: own.key } });
    const agent = new Agent({ connect: { ca: own.cert } });
    try {
      expect(custom.ca).toBe(own.cert);
      const res = await request(`${custom.url}/ops/healthcheck`, { dispatcher: agent });
      expect([res.statusCode, await res.body.text()]).toEqual([200, 'OK']);
    } finally {
      await custom.close();
      await agent.close();
    }
    const withCa = await startLocalOperator({ tls: { cert: own.cert, key: own.key, ca: 'CA PEM' } });
    expect(withCa.ca).toBe('CA PEM');
    await withCa.close();
  });

  it('refuses bad TLS options with UID2_INVALID_CONFIG', async () => {
    const bad: unknown[] = [
      { tls: { cert: 1, key: 'k' } },
      { tls: { cert: 'c', key: 'k', ca: 5 } },
      { tlsHosts: ['x'] },
      { tls: true, tlsHosts: ['bad host/'] },
      { http2: true },
      { tls: true, http2: 'yes' },
    ];
    for (const options of bad) {
      await expect(startLocalOperator(options as never)).rejects.toMatchObject({
        code: 'UID2_INVALID_CONFIG',
      });
    }
    expect(op.ca).toBeDefined();
    const plain = await startLocalOperator();
    expect([plain.ca, plain.url.startsWith('http://')]).toEqual([undefined, true]);
    await plain.close();
  });

  it('without selfsigned installed, says to install it', async () => {
    vi.resetModules();
    vi.doMock('selfsigned', () => {
      throw new Error("Cannot find package 'selfsigned'");
    });
    try {
      const fresh = await import('../src/testing/tls.js');
      await expect(fresh.resolveTls({ tls: true })).rejects.toMatchObject({
        name: 'Uid2Error',
        code: 'UID2_INVALID_CONFIG',
        message: expect.stringContaining('install selfsigned'),
      });
    } finally {
      vi.doUnmock('selfsigned');
      vi.resetModules();
    }
  });
});

describe('http2: true', () => {
  it('speaks h2 by ALPN and HTTP/1.1 on the same port; undici with allowH2 generates over it', async () => {
    const h2 = await startLocalOperator({ tls: true, http2: true });
    const agent = new Agent({ allowH2: true, connect: { ca: h2.ca as string } });
    const http1 = new Agent({ connect: { ca: h2.ca as string } });
    try {
      const session = connect(h2.url, { ca: h2.ca as string });
      const get = (path: string, headers: Record<string, string> = {}) =>
        new Promise<{ status: number; alpn: string | false | undefined; body: string }>((resolve, reject) => {
          const stream = session.request({ ':path': path, ...headers });
          let body = '';
          let status = 0;
          stream.on('response', (answerHeaders) => {
            status = Number(answerHeaders[':status']);
          });
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => {
            body += chunk;
          });
          stream.on('end', () => resolve({ status, alpn: session.alpnProtocol, body }));
          stream.on('error', reject);
        });
      const answer = await get('/ops/healthcheck');
      // HTTP/2 names the host in :authority; the control guard reads it there.
      const state = await get('/_local/state');
      const rebound = await get('/_local/state', { ':authority': `evil.example:${new URL(h2.url).port}` });
      session.close();
      expect([state.status, JSON.parse(state.body).scope]).toEqual([200, 'uid2']);
      expect(rebound.status).toBe(403);
      expect(answer).toEqual({ status: 200, alpn: 'h2', body: 'OK' });

      const client = clientFor(h2, agent);
      try {
        const result = await client.generateToken({ phone: '+15551234567' });
        expect(result.status).toBe('success');
      } finally {
        await client.close();
      }
      // Faults that break the connection end one stream only; the session carries on.
      h2.injectFault({ kind: 'reset', endpoint: 'generate' });
      const reset = rawSecretCall(
        h2,
        '/v2/token/generate',
        { email: 'h2@example.com' },
        { dispatcher: agent },
      );
      await expect(reset).rejects.toMatchObject({ name: expect.stringMatching(/Error$/) });
      const big = await request(`${h2.url}/v2/token/generate`, {
        method: 'POST',
        body: Buffer.alloc((1 << 20) + 1),
        dispatcher: agent,
      });
      expect([big.statusCode, await big.body.text()]).toEqual([413, 'Request Entity Too Large']);
      const after = await rawSecretCall(
        h2,
        '/v2/token/generate',
        { email: 'h2@example.com' },
        { dispatcher: agent },
      );
      expect(after.decrypted?.status).toBe('success');
      const overHttp1 = await request(`${h2.url}/ops/healthcheck`, { dispatcher: http1 });
      expect([overHttp1.statusCode, await overHttp1.body.text()]).toEqual([200, 'OK']);
      expect(h2.stats().byEndpoint).toMatchObject({ generate: 4, healthcheck: 2 });
    } finally {
      await h2.close();
      await agent.close();
      await http1.close();
    }
  });
});
