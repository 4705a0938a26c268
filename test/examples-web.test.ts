/**
 * examples/web-server-only over real HTTPS against the local operator: the sealed identity cookie
 * (attributes, encryption, binding to the user), lazy refresh on page views, opt-out and expiry.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebServer } from '../examples/web-server-only/server.mjs';
import { selfSignedCertificate } from '../examples/web-server-only/tls-and-keys.mjs';
import { CookieBrowser, type Page, renderedToken } from './support/examples-https.js';
import { type ExampleWorld, startExampleWorld } from './support/examples-world.js';

const SID = '__Host-sid';
const UID2 = '__Host-uid2';
const HOUR = 3600_000;

let world: ExampleWorld;
let web: Awaited<ReturnType<typeof startWebServer>>;
let cert: string;
let browser: CookieBrowser;

const counts = () => world.op.stats().byEndpoint;

async function signIn(email: string): Promise<Page> {
  const login = await browser.postForm('/login', { email });
  expect(login.status).toBe(303);
  expect(login.location).toBe('/');
  return browser.get('/');
}

beforeAll(async () => {
  world = await startExampleWorld();
  const tls = await selfSignedCertificate();
  cert = tls.cert;
  web = await startWebServer({
    client: world.client,
    sealKeys: [randomBytes(32).toString('base64')],
    tls,
    now: () => world.op.now(),
  });
});
beforeEach(() => {
  browser = new CookieBrowser(web.url, cert);
});
afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await world?.close();
});

describe('examples/web-server-only', () => {
  it('signs in, seals the identity into an HttpOnly Secure SameSite=Lax __Host- cookie, renders the token', async () => {
    const form = await browser.get('/');
    expect(form.body).toContain('name="email"');

    const login = await browser.postForm('/login', { email: 'user@example.com' });
    expect(CookieBrowser.cookieLine(login, SID)).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Secure$/);

    const generated = counts().generate;
    const page = await browser.get('/');
    expect(page.status).toBe(200);
    expect(counts().generate).toBe(generated + 1);
    const line = CookieBrowser.cookieLine(page, UID2) ?? '';
    expect(line).toMatch(
      /^__Host-uid2=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=\d+$/,
    );
    // Browsers keep cookies up to 4096 bytes, name and attributes included.
    expect(Buffer.byteLength(line)).toBeLessThan(4096);
    // Kept as long as the refresh token lives (30 days with the production lifetimes).
    expect(Number(/Max-Age=(\d+)/.exec(line)?.[1])).toBeGreaterThan(29 * 24 * 3600);
    const token = renderedToken(page.body);
    expect(token.length).toBeGreaterThan(100);
    // Sealed: neither the advertising token nor the refresh token can be read from the cookie.
    const sealed = browser.jar.get(UID2) ?? '';
    expect(sealed).not.toContain(token.slice(0, 20));
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('refresh_token');
    expect(page.body).not.toContain('refresh_response_key');
  });

  it('each page view refreshes lazily: no request before refresh_from, a new sealed identity after', async () => {
    const first = await signIn('lazy@example.com');
    const token = renderedToken(first.body);
    const before = counts();
    const again = await browser.get('/');
    expect(renderedToken(again.body)).toBe(token);
    expect(CookieBrowser.cookieLine(again, UID2)).toBeUndefined();
    expect(counts()).toEqual(before);

    world.op.advanceClock(HOUR + 60_000);
    const later = await browser.get('/');
    expect(counts().refresh).toBe(before.refresh + 1);
    expect(counts().generate).toBe(before.generate);
    expect(renderedToken(later.body)).not.toBe(token);
    expect(CookieBrowser.cookieLine(later, UID2)).toBeDefined();
  });

  it('a cookie that is tampered with, or sealed for another user, is dropped and replaced', async () => {
    await signIn('alice@example.com');
    const alices = browser.jar.get(UID2) ?? '';
    browser.jar.set(UID2, `${alices.slice(0, -4)}AAAA`);
    const tampered = await browser.get('/');
    expect(CookieBrowser.cookieLine(tampered, UID2)).toMatch(/^__Host-uid2=[A-Za-z0-9_-]+;/);

    const bob = new CookieBrowser(web.url, cert);
    try {
      await bob.postForm('/login', { email: 'bob@example.com' });
      bob.jar.set(UID2, alices);
      const generated = counts().generate;
      const page = await bob.get('/');
      // Alice's identity is not opened for Bob: he gets one of his own.
      expect(counts().generate).toBe(generated + 1);
      expect(bob.jar.get(UID2)).not.toBe(alices);
      expect(renderedToken(page.body).length).toBeGreaterThan(100);
    } finally {
      await bob.close();
    }
  });

  it('an opt-out at refresh clears the cookie and is remembered: the next view asks no one', async () => {
    const first = await signIn('refresh-optout@example.com');
    expect(renderedToken(first.body).length).toBeGreaterThan(100);
    world.op.advanceClock(HOUR + 60_000);
    const optedOut = await browser.get('/');
    expect(CookieBrowser.cookieLine(optedOut, UID2)).toMatch(/Max-Age=0$/);
    expect(renderedToken(optedOut.body)).toBe('');
    expect(browser.jar.has(UID2)).toBe(false);

    const before = counts();
    const next = await browser.get('/');
    expect(next.body).toContain('(remembered)');
    expect(counts()).toEqual(before);
  });

  it('an identity past refresh_expires is dropped and a new one generated, with no refresh request', async () => {
    await signIn('expiring@example.com');
    world.op.advanceClock(31 * 24 * HOUR);
    const before = counts();
    const page = await browser.get('/');
    expect(counts().refresh).toBe(before.refresh);
    expect(counts().generate).toBe(before.generate + 1);
    expect(renderedToken(page.body).length).toBeGreaterThan(100);
  });

  it('the page still renders, without a token, when the operator fails', async () => {
    await browser.postForm('/login', { email: 'patient@example.com' });
    world.op.injectFault({ kind: 'http503', endpoint: 'generate', count: 3 });
    const page = await browser.get('/');
    expect(page.status).toBe(200);
    expect(renderedToken(page.body)).toBe('');
    expect(page.body).toContain('UID2_SERVER_ERROR');
  });

  it('signing out clears both cookies; a bad email is refused before any request', async () => {
    await signIn('leaving@example.com');
    const out = await browser.postForm('/logout', {});
    expect(out.status).toBe(303);
    expect(CookieBrowser.cookieLine(out, SID)).toMatch(/Max-Age=0$/);
    expect(CookieBrowser.cookieLine(out, UID2)).toMatch(/Max-Age=0$/);
    expect(browser.jar.size).toBe(0);
    const before = counts();
    expect((await browser.postForm('/login', { email: 'not an email' })).status).toBe(400);
    expect(counts()).toEqual(before);
  });
});
