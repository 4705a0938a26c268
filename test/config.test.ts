import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_VERSION_HEADER,
  Environments,
  PublisherClient,
  type PublisherClientOptions,
  VERSION,
} from '../src/index.js';

const secretKey = Buffer.alloc(32, 7).toString('base64');
const apiKey = `UID2-C-L-999-aaaaaa.${'b'.repeat(37)}=`; // shaped like a key, plainly not one
const ok: PublisherClientOptions = { baseUrl: 'https://prod.uidapi.com', apiKey, secretKey };
const invalidConfig = expect.objectContaining({ code: 'UID2_INVALID_CONFIG' });

describe('PublisherClient options', () => {
  it('normalises a trailing / and /v2 away', async () => {
    for (const baseUrl of [
      'https://prod.uidapi.com/',
      'https://prod.uidapi.com/v2',
      'https://prod.uidapi.com/v2/',
      'https://prod.euid.eu/v2',
    ]) {
      const client = new PublisherClient({ ...ok, baseUrl });
      expect(client.baseUrl).toBe(new URL(baseUrl).origin);
      await client.close();
    }
    const proxied = new PublisherClient({ ...ok, baseUrl: 'https://proxy.example/uid2/v2/' });
    expect(proxied.baseUrl).toBe('https://proxy.example/uid2');
    await proxied.close();
  });

  it('requires https except for loopback hosts or an explicit opt-in', async () => {
    expect(() => new PublisherClient({ ...ok, baseUrl: 'http://prod.uidapi.com' })).toThrow(invalidConfig);
    for (const baseUrl of [
      'http://127.0.0.1:8080',
      'http://localhost:1',
      'http://[::1]:2',
      'http://127.1.2.3',
    ]) {
      await new PublisherClient({ ...ok, baseUrl }).close();
    }
    await new PublisherClient({ ...ok, baseUrl: 'http://proxy.test', allowInsecureHttp: true }).close();
  });

  const bad: [string, Partial<Record<keyof PublisherClientOptions, unknown>>][] = [
    ['a missing baseUrl', { baseUrl: undefined }],
    ['a relative baseUrl', { baseUrl: '/v2' }],
    ['an ftp baseUrl', { baseUrl: 'ftp://prod.uidapi.com' }],
    ['credentials in baseUrl', { baseUrl: 'https://u:p@prod.uidapi.com' }],
    ['a query in baseUrl', { baseUrl: 'https://prod.uidapi.com?x=1' }],
    ['an empty apiKey', { apiKey: '' }],
    ['an apiKey with a newline', { apiKey: `${apiKey}\n` }],
    ['a 16-byte secret', { secretKey: Buffer.alloc(16).toString('base64') }],
    ['a secret that is not base64', { secretKey: 'x'.repeat(44) }],
    ['a base64url secret', { secretKey: `${Buffer.alloc(32, 0xfb).toString('base64url')}=` }],
    ['a zero timeout', { timeoutMs: 0 }],
    ['a fractional timeout', { timeoutMs: 1.5 }],
    ['negative retries', { retries: -1 }],
    ['a tiny response cap', { maxResponseBytes: 10 }],
    ['a now that is not a function', { now: 5 }],
  ];
  for (const [label, change] of bad) {
    it(`rejects ${label} with UID2_INVALID_CONFIG, naming no value`, () => {
      const options = { ...ok, ...change } as PublisherClientOptions;
      try {
        new PublisherClient(options);
        expect.unreachable();
      } catch (err) {
        expect(err).toEqual(invalidConfig);
        expect((err as Error).message).not.toContain(secretKey);
        expect((err as Error).message).not.toContain(apiKey);
      }
    });
  }
});

describe('Environments and version', () => {
  it('lists every UID2 and EUID base URL of PROTOCOL.md §7, all https without /v2', () => {
    const urls = [...Object.values(Environments.uid2), ...Object.values(Environments.euid)];
    expect(new Set(urls)).toEqual(
      new Set([
        'https://operator-integ.uidapi.com',
        'https://global.prod.uidapi.com',
        'https://prod.uidapi.com',
        'https://usw.prod.uidapi.com',
        'https://au.prod.uidapi.com',
        'https://jp.prod.uidapi.com',
        'https://sg.prod.uidapi.com',
        'https://integ.euid.eu',
        'https://prod.euid.eu',
      ]),
    );
    expect(Object.isFrozen(Environments.uid2)).toBe(true);
  });

  it('sends uid2-publisher-<package.json version>', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
    expect(CLIENT_VERSION_HEADER).toBe(`uid2-publisher-${pkg.version}`);
  });
});
