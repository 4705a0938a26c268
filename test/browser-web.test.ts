/**
 * examples/web-server-only in a real browser: headless Debian Chromium driven by playwright-core, over
 * HTTPS, against the TLS local operator. One browser launch for the whole file.
 *
 * Without /usr/bin/chromium the file is skipped with a loud warning, except under CI, where that is a
 * failure (`.ci/run` installs Debian's chromium when it is missing).
 */

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer } from '../examples/web-server-only/server.mjs';
import { selfSignedCertificate } from '../examples/web-server-only/tls-and-keys.mjs';
import { type ExampleWorld, startExampleWorld } from './support/examples-world.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const UID2 = '__Host-uid2';
const HOUR = 3600_000;

if (!HAVE_CHROMIUM) {
  const message = `${CHROMIUM} not found: the real-browser test of examples/web-server-only cannot run (apt-get install chromium)`;
  if (process.env.CI) throw new Error(`${message}; under CI this is a failure`);
  console.warn(`\n*** SKIPPED: ${message} ***\n`);
}

let world: ExampleWorld;
let web: Awaited<ReturnType<typeof startWebServer>>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Script errors and console errors of the page (a CSP violation shows up here). */
const pageErrors: string[] = [];

const tokenOnPage = async () => (await page.textContent('#advertising-token')) ?? '';
const uid2Cookie = async () => (await context.cookies()).find((cookie) => cookie.name === UID2);

async function signIn(email: string): Promise<void> {
  await page.goto(web.url);
  await page.fill('#email', email);
  await Promise.all([page.waitForURL(`${web.url}/`), page.click('#sign-in')]);
}

describe.skipIf(!HAVE_CHROMIUM)('examples/web-server-only in headless Chromium, over HTTPS', () => {
  beforeAll(async () => {
    world = await startExampleWorld({ tls: true });
    expect(world.op.url).toMatch(/^https:/);
    web = await startWebServer({
      client: world.client,
      sealKeys: [randomBytes(32).toString('base64')],
      tls: await selfSignedCertificate(),
      now: () => world.op.now(),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // The web server's certificate is self-signed for 127.0.0.1: accepted for this context only.
    context = await browser.newContext({ ignoreHTTPSErrors: true });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await world?.close();
  });

  it('sign in: the page shows the advertising token, page script has it, but cannot read the cookie', async () => {
    await signIn('user@example.com');
    const token = await tokenOnPage();
    expect(token.length).toBeGreaterThan(100);
    expect(await page.textContent('#token-from-script')).toBe(token);
    expect(await page.evaluate('window.__uid2.advertisingToken')).toBe(token);

    const cookie = await uid2Cookie();
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    // Page script sees cookies it may read (a probe it sets itself), and not the sealed identity.
    // (Evaluated as page source text: this file is compiled without the DOM library.)
    const visible = await page.evaluate(
      "document.cookie = 'probe=1; Path=/; Secure; SameSite=Lax'; document.cookie",
    );
    expect(visible).toBe('probe=1');
    expect(visible).not.toContain(UID2);
    expect(visible).not.toContain(cookie?.value.slice(0, 16) ?? 'unreachable');
  });

  it('a page view after refresh_from refreshes the identity; one before it does not', async () => {
    const token = await tokenOnPage();
    const before = world.op.stats().byEndpoint;
    await page.reload();
    expect(await tokenOnPage()).toBe(token);
    expect(world.op.stats().byEndpoint.refresh).toBe(before.refresh);

    const sealed = (await uid2Cookie())?.value;
    world.op.advanceClock(HOUR + 60_000);
    await page.reload();
    expect(await page.textContent('#note')).toBe('identity refreshed');
    expect(await tokenOnPage()).not.toBe(token);
    expect(world.op.stats().byEndpoint.refresh).toBe(before.refresh + 1);
    expect((await uid2Cookie())?.value).not.toBe(sealed);
  });

  it('sign-out clears the sealed identity', async () => {
    await Promise.all([page.waitForURL(`${web.url}/`), page.click('#sign-out')]);
    expect(await uid2Cookie()).toBeUndefined();
    expect(await page.isVisible('#email')).toBe(true);
  });

  it('an opt-out at refresh clears the cookie, and the next view does not ask the operator', async () => {
    await signIn('refresh-optout@example.com');
    expect((await tokenOnPage()).length).toBeGreaterThan(100);
    expect(await uid2Cookie()).toBeDefined();
    world.op.advanceClock(HOUR + 60_000);
    await page.reload();
    expect(await page.textContent('#note')).toBe('opted out: no identity');
    expect(await tokenOnPage()).toBe('');
    expect(await uid2Cookie()).toBeUndefined();

    const before = world.op.stats().byEndpoint;
    await page.reload();
    expect(await page.textContent('#note')).toBe('opted out: no identity (remembered)');
    expect(world.op.stats().byEndpoint).toEqual(before);
  });

  it('the page ran without a script error or a Content-Security-Policy violation', () => {
    expect(pageErrors).toEqual([]);
  });
});
