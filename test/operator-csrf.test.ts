/**
 * The `/_local/*` controls refuse what a web page can send (issue 8 point 10): a foreign `Host` (DNS
 * rebinding), a foreign `Origin` or `Sec-Fetch-Site` (CSRF), and POSTs that are not JSON (the simple
 * requests a form or a no-cors fetch can make). Every refusal is checked to have changed nothing.
 * The UID2 routes keep their open CORS behaviour.
 */
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { useLocalOperator } from './support/operator-fixture.js';

const fixture = useLocalOperator();
const port = () => Number(new URL(fixture.op.url).port);
const scheme = () => new URL(fixture.op.url).protocol.replace(':', '');

async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await request(`${fixture.op.url}${path}`, {
    method: method as 'POST',
    headers,
    dispatcher: fixture.dispatcher,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

/** Tries to queue a fault the way a page would; returns the answer. */
function queueFault(headers: Record<string, string>) {
  return send('POST', '/_local/faults', headers, '{"kind":"http503"}');
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe('DNS rebinding: Host must name this operator on loopback', () => {
  const refused = [
    ['a rebound name', () => `evil.example:${port()}`],
    ['a loopback-looking prefix', () => `127.0.0.1.evil.example:${port()}`],
    ['another port', () => `127.0.0.1:${port() === 65535 ? 1 : port() + 1}`],
    ['no port (port 80)', () => 'localhost'],
    ['a LAN address', () => `192.168.1.20:${port()}`],
    ['an out-of-range IPv4', () => `127.0.0.256:${port()}`],
  ] as const;
  for (const [label, host] of refused) {
    it(`refuses ${label} with 403 and changes nothing`, async () => {
      const res = await queueFault({ ...JSON_TYPE, host: host() });
      expect(res.status).toBe(403);
      expect(JSON.parse(res.text)).toEqual({
        message: 'control routes answer only requests addressed to a loopback host and the operator port',
        status: 'forbidden',
      });
      expect(fixture.op.pendingFaults()).toEqual([]);
    });
  }

  it('refuses reads too: a rebound page cannot GET the state', async () => {
    const res = await send('GET', '/_local/state', { host: `evil.example:${port()}` });
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('scope');
  });

  const accepted = ['127.0.0.1', '127.3.4.5', 'localhost', 'LocalHost', '[::1]', '10.0.2.2'];
  for (const name of accepted) {
    it(`accepts Host ${name}:PORT`, async () => {
      const res = await queueFault({ ...JSON_TYPE, host: `${name}:${port()}` });
      expect(res.status).toBe(200);
      expect(fixture.op.pendingFaults()).toEqual([{ kind: 'http503', remaining: 1 }]);
    });
  }
});

describe('CSRF: Origin, Sec-Fetch-Site and Content-Type', () => {
  it('refuses a foreign Origin, an opaque one and the other scheme', async () => {
    const origins = [
      'https://evil.example',
      'null',
      `${scheme() === 'http' ? 'https' : 'http'}://127.0.0.1:${port()}`,
    ];
    for (const origin of origins) {
      const res = await queueFault({ ...JSON_TYPE, origin });
      expect([res.status, JSON.parse(res.text)]).toEqual([
        403,
        { message: 'control routes refuse cross-origin requests', status: 'forbidden' },
      ]);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(fixture.op.pendingFaults()).toEqual([]);
  });

  it("accepts the operator's own origin", async () => {
    for (const origin of [`${scheme()}://127.0.0.1:${port()}`, `${scheme()}://localhost:${port()}`]) {
      expect((await queueFault({ ...JSON_TYPE, origin })).status).toBe(200);
    }
    expect(fixture.op.pendingFaults()).toEqual([
      { kind: 'http503', remaining: 1 },
      { kind: 'http503', remaining: 1 },
    ]);
  });

  it('refuses a cross-site Sec-Fetch-Site, accepts same-origin and none', async () => {
    const crossSite = await queueFault({ ...JSON_TYPE, 'sec-fetch-site': 'cross-site' });
    expect([crossSite.status, JSON.parse(crossSite.text).message]).toEqual([
      403,
      'control routes refuse cross-site requests',
    ]);
    expect((await queueFault({ ...JSON_TYPE, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await queueFault({ ...JSON_TYPE, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await queueFault({ ...JSON_TYPE, 'sec-fetch-site': 'none' })).status).toBe(200);
    expect(fixture.op.pendingFaults()).toEqual([
      { kind: 'http503', remaining: 1 },
      { kind: 'http503', remaining: 1 },
    ]);
  });

  it('refuses POSTs a form or a no-cors fetch can send: text/plain, form types, none', async () => {
    const types = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'];
    for (const type of types) {
      const res = await queueFault({ 'content-type': type });
      expect([res.status, JSON.parse(res.text).message]).toEqual([
        403,
        'control POSTs must be sent with Content-Type: application/json',
      ]);
    }
    expect((await queueFault({})).status).toBe(403);
    expect(
      (await send('POST', '/_local/optout', { 'content-type': 'text/plain' }, '{"email":"a@b.c"}')).status,
    ).toBe(403);
    expect(fixture.op.pendingFaults()).toEqual([]);
    expect(fixture.op.describe().optOutCount).toBe(0);
    const withCharset = await queueFault({ 'content-type': 'Application/JSON; charset=utf-8' });
    expect(withCharset.status).toBe(200);
  });

  it('answers no CORS preflight on the controls', async () => {
    const res = await send('OPTIONS', '/_local/faults', {
      origin: 'https://evil.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    });
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });
});

describe('the UID2 routes keep their CORS behaviour', () => {
  it('echoes any Origin on a token route and answers its preflight', async () => {
    const generate = await send(
      'POST',
      '/v2/token/generate',
      { origin: 'https://app.example', host: `evil.example:${port()}` },
      'x',
    );
    expect(generate.status).toBe(401);
    expect(generate.headers['access-control-allow-origin']).toBe('https://app.example');
    const preflight = await send('OPTIONS', '/v2/token/validate', {
      origin: 'https://app.example',
      'access-control-request-method': 'POST',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    // The validate route also lets a page send the API key (PROTOCOL.md §14); generate does not.
    expect(String(preflight.headers['access-control-allow-headers']).split(',')).toContain('Authorization');
    const generatePreflight = await send('OPTIONS', '/v2/token/generate', {
      origin: 'https://app.example',
      'access-control-request-method': 'POST',
    });
    expect(String(generatePreflight.headers['access-control-allow-headers']).split(',')).not.toContain(
      'Authorization',
    );
  });
});
