/**
 * The outage test, end to end: a PublisherClient with a RedisOptOutStore against the local
 * operator, and redis-server stopped in the middle of the run. Sign-ins keep working (the operator
 * enforces opt-out), the failure is published on diagnostics_channel, and the store heals afterwards.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIAGNOSTICS_CHANNELS, PublisherClient, type StoreErrorEvent } from '../src/index.js';
import { RedisOptOutStore } from '../src/state/redis.js';
import { type LocalOperator, startLocalOperator } from '../src/testing/index.js';
import { type RedisServer, redisServerAvailable, startRedisServer } from './support/redis-server.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const OPTED_OUT = 'Opted.Out+promo@gmail.com';

describe.skipIf(!redisServerAvailable)(
  'PublisherClient with a RedisOptOutStore, Redis stopped mid-run',
  () => {
    let server: RedisServer;
    let op: LocalOperator;
    let store: RedisOptOutStore;
    let client: PublisherClient;
    const events: StoreErrorEvent[] = [];
    const onEvent = (message: unknown) => events.push(message as StoreErrorEvent);
    const unexpected: unknown[] = [];
    const record = (err: unknown) => unexpected.push(err);

    beforeAll(async () => {
      server = await startRedisServer();
      op = await startLocalOperator();
      store = new RedisOptOutStore({ url: server.url, key: KEY, timeoutMs: 500 });
      client = new PublisherClient({
        baseUrl: op.url,
        apiKey: op.apiKey,
        secretKey: op.secretKey,
        optOuts: store,
      });
      subscribe(DIAGNOSTICS_CHANNELS.storeError, onEvent);
      process.on('unhandledRejection', record);
      process.on('uncaughtException', record);
    });
    afterAll(async () => {
      unsubscribe(DIAGNOSTICS_CHANNELS.storeError, onEvent);
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
      await client?.close();
      await store?.close();
      await op?.close();
      await server?.dispose();
    });

    const generates = () => op.stats().byEndpoint.generate ?? 0;

    it('remembers, survives the outage through the operator, and heals', async () => {
      op.optOut({ email: 'optedout@gmail.com' });
      expect(await client.generateToken({ email: OPTED_OUT })).toEqual({
        status: 'optout',
        remembered: false,
      });
      const before = generates();
      expect(await client.generateToken({ email: 'OPTEDOUT@gmail.com' })).toEqual({
        status: 'optout',
        remembered: true,
      });
      expect(generates()).toBe(before); // answered from Redis: no request
      expect(events).toEqual([]);

      await server.stop();
      const started = performance.now();
      const [optedOut, fresh] = await Promise.all([
        client.generateToken({ email: OPTED_OUT }),
        client.generateToken({ email: 'someone@example.com' }),
      ]);
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(optedOut).toEqual({ status: 'optout', remembered: false }); // the operator still says no
      expect(fresh.status).toBe('success');
      expect(generates()).toBe(before + 2);
      expect(events.length).toBeGreaterThanOrEqual(2);
      expect(events.map((event) => [event.store, event.operation])).toContainEqual(['optOuts', 'has']);
      expect(JSON.stringify(events)).not.toMatch(/someone|optedout|Opted/i);

      await server.start(); // empty: this redis-server keeps nothing across restarts
      const deadline = Date.now() + 8_000;
      let healed = false;
      while (!healed && Date.now() < deadline) {
        healed = await store.has('email:ZmFrZWZha2VmYWtlZmFrZWZha2VmYWtlZmFrZWZha2U=').then(
          () => true,
          () => false,
        );
        if (!healed) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(healed).toBe(true);
      await client.rememberOptOut({ email: OPTED_OUT });
      const after = generates();
      expect(await client.generateToken({ email: 'optedout@gmail.com' })).toEqual({
        status: 'optout',
        remembered: true,
      });
      expect(generates()).toBe(after);
      expect(unexpected).toEqual([]);
    });
  },
);
