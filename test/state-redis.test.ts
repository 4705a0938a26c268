/**
 * RedisOptOutStore against a real redis-server on 127.0.0.1: the keyspace, two processes, TTL, options,
 * and outages (server stopped, server frozen, nothing listening) that must fail fast and then heal.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OptOutHasher, optOutSubjectOf } from '../src/state/opt-out.js';
import { RedisOptOutStore } from '../src/state/redis.js';
import { type ChildModules, transpileForChild } from './support/child-modules.js';
import {
  freePort,
  type RedisServer,
  redisServerAvailable,
  startRedisServer,
} from './support/redis-server.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const EMAIL = 'Jane.Doe+news@gmail.com';
const NORMALISED = 'janedoe@gmail.com';
const PHONE = '+12345678901';
const jane = optOutSubjectOf({ email: EMAIL });
const phone = optOutSubjectOf({ phone: PHONE });

async function failure(fn: () => Promise<unknown>): Promise<{ error: Record<string, unknown>; ms: number }> {
  const started = performance.now();
  try {
    await fn();
  } catch (err) {
    return { error: err as Record<string, unknown>, ms: performance.now() - started };
  }
  return { error: { code: 'no error' }, ms: performance.now() - started };
}

describe.skipIf(!redisServerAvailable)('RedisOptOutStore (real redis-server)', () => {
  let server: RedisServer;
  let inspector: ReturnType<typeof createClient>;
  const stores: RedisOptOutStore[] = [];
  const open = (options: Partial<ConstructorParameters<typeof RedisOptOutStore>[0]> = {}) => {
    const store = new RedisOptOutStore({ url: server.url, key: KEY, ...options } as never);
    stores.push(store);
    return store;
  };
  const unexpected: unknown[] = [];
  const record = (err: unknown) => unexpected.push(err);

  beforeAll(async () => {
    server = await startRedisServer();
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
  });
  beforeEach(async () => {
    inspector = createClient({ url: server.url });
    inspector.on('error', () => {});
    await inspector.connect();
    await inspector.flushAll();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    inspector.destroy();
    expect(unexpected).toEqual([]);
  });
  afterAll(async () => {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
    await server?.dispose();
  });

  it('EXISTS and SET of keyed hashes under the prefix; one key for gmail variants; no expiry', async () => {
    const store = open();
    expect(await store.has(jane)).toBe(false);
    await store.add(jane);
    await store.add(optOutSubjectOf({ email: 'JANEDOE@gmail.com' }));
    await store.add(phone);
    expect(await store.has(optOutSubjectOf({ email: NORMALISED }))).toBe(true);
    expect(await store.has(phone)).toBe(true);
    expect(await store.has(optOutSubjectOf({ phone: '+19999999999' }))).toBe(false);
    const hasher = new OptOutHasher(KEY);
    const keys = (await inspector.keys('*')).sort();
    expect(keys).toEqual(
      [`uid2:optout:${hasher.storageKey(jane)}`, `uid2:optout:${hasher.storageKey(phone)}`].sort(),
    );
    expect(await inspector.ttl(keys[0] as string)).toBe(-1);
  });

  it('leaves no raw or plainly hashed DII anywhere in the keyspace', async () => {
    const store = open({ prefix: 'shop:' });
    await store.add(jane);
    await store.add(phone);
    const sha = (value: string) => createHash('sha256').update(value).digest();
    const forbidden = [EMAIL, NORMALISED, PHONE].flatMap((value) => [
      value,
      sha(value).toString('base64'),
      sha(value).toString('base64url'),
      sha(value).toString('hex'),
    ]);
    let dump = '';
    for await (const batch of inspector.scanIterator({ MATCH: '*', COUNT: 100 })) {
      for (const key of batch) dump += `${key}=${await inspector.get(key)}\n`;
    }
    expect(dump.split('\n').filter(Boolean)).toHaveLength(2);
    expect(dump).toMatch(/^shop:[A-Za-z0-9_-]{43}=1\nshop:[A-Za-z0-9_-]{43}=1\n$/);
    for (const spelling of forbidden) expect(dump).not.toContain(spelling);
  });

  it('two processes sharing one Redis see each other’s opt-outs', async () => {
    const child: ChildModules = transpileForChild(['src/state/redis.ts']);
    try {
      const script = (body: string) => `
        import { RedisOptOutStore } from './src/state/redis.js';
        import { optOutSubjectOf } from './src/state/opt-out.js';
        const store = new RedisOptOutStore({ url: process.env.URL, key: process.env.KEY });
        ${body}
        await store.close();`;
      await child.run(script(`await store.add(optOutSubjectOf({ email: process.env.EMAIL }));`), {
        URL: server.url,
        KEY,
        EMAIL,
      });
      const store = open();
      expect(await store.has(optOutSubjectOf({ email: NORMALISED }))).toBe(true);
      await store.add(phone);
      const seen = await child.run(
        script(`console.log(JSON.stringify([await store.has(optOutSubjectOf({ phone: '${PHONE}' })),
          await store.has(optOutSubjectOf({ phone: '+19999999999' }))]));`),
        { URL: server.url, KEY },
      );
      expect(JSON.parse(seen)).toEqual([true, false]);
    } finally {
      child.dispose();
    }
  });

  it('takes a ready client and leaves it open on close(); ttlSeconds sets an expiry', async () => {
    const client = createClient({ url: server.url });
    client.on('error', () => {});
    await client.connect();
    const store = new RedisOptOutStore({ client, key: KEY, ttlSeconds: 3600 });
    await store.add(phone);
    expect(await store.has(phone)).toBe(true);
    const ttl = await inspector.ttl(`uid2:optout:${new OptOutHasher(KEY).storageKey(phone)}`);
    expect(ttl).toBeGreaterThan(3590);
    expect(ttl).toBeLessThanOrEqual(3600);
    await store.close();
    expect(client.isReady).toBe(true);
    expect(await client.ping()).toBe('PONG');
    client.destroy();
  });

  it('rejects at once, without queueing, when a given client is not connected', async () => {
    const client = createClient({ url: server.url });
    const store = new RedisOptOutStore({ client, key: KEY });
    const { error, ms } = await failure(() => store.has(phone));
    expect(error).toMatchObject({ name: 'Uid2Error', code: 'UID2_NETWORK', retryable: true });
    expect(ms).toBeLessThan(500);
    expect(client.isOpen).toBe(false);
  });

  it('an outage fails each call within the timeout, and the store heals when Redis is back', async () => {
    const store = open({ timeoutMs: 800 });
    await store.add(phone);
    await server.stop();
    for (const call of [() => store.has(phone), () => store.add(jane), () => store.has(jane)]) {
      const { error, ms } = await failure(call);
      expect(error).toMatchObject({ name: 'Uid2Error', code: 'UID2_NETWORK' });
      expect(ms).toBeLessThan(1_500);
    }
    await server.start();
    // The owned client reconnects in the background (at most a second apart); data was not persisted.
    let healed: boolean | undefined;
    const deadline = Date.now() + 8_000;
    while (healed === undefined && Date.now() < deadline) {
      healed = await store.has(phone).catch(() => undefined);
      if (healed === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(healed).toBe(false);
    await store.add(phone);
    expect(await store.has(phone)).toBe(true);
  });

  it('a frozen server (port open, no answer) times out with UID2_TIMEOUT instead of hanging', async () => {
    const store = open({ timeoutMs: 300 });
    await store.add(phone);
    server.freeze();
    try {
      const { error, ms } = await failure(() => store.has(phone));
      expect(error).toMatchObject({
        code: 'UID2_TIMEOUT',
        message: 'RedisOptOutStore: no answer within 300 ms',
      });
      expect(ms).toBeLessThan(1_500);
    } finally {
      server.resume();
    }
  });

  it('nothing listening at start-up: the first calls fail fast, not after a queue', async () => {
    const port = await freePort();
    const store = open({ url: `redis://127.0.0.1:${port}`, timeoutMs: 1_000 });
    const results = await Promise.all([failure(() => store.has(phone)), failure(() => store.add(phone))]);
    for (const { error, ms } of results) {
      expect(error).toMatchObject({ code: 'UID2_NETWORK' });
      expect(ms).toBeLessThan(1_500);
    }
    const { error, ms } = await failure(() => store.has(phone));
    expect(error).toMatchObject({ code: 'UID2_NETWORK' });
    expect(ms).toBeLessThan(100);
  });

  it('close() is idempotent and later calls reject with UID2_INVALID_CONFIG; no key in inspect', async () => {
    const store = open();
    await store.add(phone);
    expect(inspect(store)).toBe("RedisOptOutStore { prefix: 'uid2:optout:', ready: true }");
    expect(JSON.stringify(store)).not.toContain(KEY);
    await Promise.all([store.close(), store.close()]);
    await store.close();
    const { error } = await failure(() => store.has(phone));
    expect(error).toMatchObject({ code: 'UID2_INVALID_CONFIG', message: 'RedisOptOutStore is closed' });
  });
});

describe('RedisOptOutStore options', () => {
  const cases: [object, RegExp][] = [
    [{ key: KEY }, /exactly one of client and url/],
    [{ key: KEY, url: 'redis://127.0.0.1:1', client: {} }, /exactly one of client and url/],
    [{ key: KEY, url: 'http://user:hunter2@cache.internal:6379' }, /url must be a redis/],
    [{ key: KEY, url: 'redis//:hunter2@' }, /url must be a redis/],
    [{ key: KEY, client: { isReady: true } }, /client must be a node-redis client/],
    [{ key: KEY, url: 'redis://127.0.0.1:1', prefx: 'x' }, /unknown option "prefx"/],
    [{ key: KEY, url: 'redis://127.0.0.1:1', prefix: 7 }, /prefix must be/],
    [{ key: KEY, url: 'redis://127.0.0.1:1', timeoutMs: 0 }, /timeoutMs must be/],
    [{ key: KEY, url: 'redis://127.0.0.1:1', ttlSeconds: 1.5 }, /ttlSeconds must be/],
    [{ url: 'redis://127.0.0.1:1' }, /^key must be/],
  ];
  it.each(cases)('%o is refused with UID2_INVALID_CONFIG', (options, message) => {
    let error: unknown;
    try {
      new RedisOptOutStore(options as never);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ name: 'Uid2Error', code: 'UID2_INVALID_CONFIG', message });
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('RedisOptOutStore without the redis package', () => {
  it('says to install it', async () => {
    const isolated = transpileForChild(['src/state/redis.ts'], 'outside');
    try {
      const out = await isolated.run(`
        import { RedisOptOutStore } from './src/state/redis.js';
        try { new RedisOptOutStore({ url: 'redis://127.0.0.1:1', key: '${KEY}' }); console.log('created'); }
        catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message })); }`);
      expect(JSON.parse(out)).toEqual({
        code: 'UID2_INVALID_CONFIG',
        message: 'RedisOptOutStore needs the optional peer dependency redis: npm install redis',
      });
    } finally {
      isolated.dispose();
    }
  });
});
