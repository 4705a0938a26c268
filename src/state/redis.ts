/**
 * `uid2-publisher/redis`: the opt-out store a fleet shares, on node-redis (the `redis` package, an
 * optional peer dependency loaded only when this entry point is used: `npm install redis`).
 *
 * It fails fast. A Redis outage must cost a sign-in at most a bounded wait, never a queue that grows
 * until Redis returns: a command is sent only while the connection is ready, and every call is bounded
 * by `timeoutMs` (the first connection of an owned client included). The caller (the client) then asks
 * the operator, which enforces opt-out itself.
 *
 * @module uid2-publisher/redis
 */
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import { Uid2Error } from '../errors.js';
import type { SecretKeyInput } from '../keys.js';
import { checkOptionKeys, configError, integerOption } from '../option-checks.js';
import { closedStoreError, storeFailedError, storeTimeoutError } from './failures.js';
import { OptOutHasher, type OptOutStore } from './opt-out.js';

/**
 * What the store needs of a Redis client: node-redis v5/v6 `createClient()` results satisfy it.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client: RedisClientLike = await createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }).connect();
 * ```
 */
export interface RedisClientLike {
  /** True while the connection is up and commands are answered. */
  readonly isReady: boolean;
  sendCommand(args: string[], options?: { timeout?: number }): Promise<unknown>;
}

interface RedisStoreCommon {
  /** 32-byte secret (standard base64 or bytes) the subjects are HMACed under. Required. */
  key: SecretKeyInput;
  /** Prefix of every Redis key the store writes. Default `uid2:optout:`. */
  prefix?: string;
  /** Expire entries after this many seconds. Default: never (opt-outs are permanent). */
  ttlSeconds?: number;
  /** Longest a `has` or `add` may take, connecting included, ms. Default 1000. */
  timeoutMs?: number;
}

/**
 * Options of {@link RedisOptOutStore}: a ready client you own (the store never closes it), or a URL
 * (the store creates the client, connects on first use and closes it on `close()`).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 *
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const withUrl: RedisOptOutStoreOptions = { url: 'redis://127.0.0.1:6379', key: process.env.UID2_OPTOUT_KEY! };
 * const withClient: RedisOptOutStoreOptions = { client: redis, key: process.env.UID2_OPTOUT_KEY!, prefix: 'shop:optout:' };
 * ```
 */
export type RedisOptOutStoreOptions = RedisStoreCommon &
  ({ client: RedisClientLike; url?: never } | { url: string; client?: never });

type OwnedClient = ReturnType<typeof import('redis')['createClient']>;

const NAME = 'RedisOptOutStore';
const OPTIONS = ['client', 'url', 'key', 'prefix', 'ttlSeconds', 'timeoutMs'] as const;

function createOwnedClient(url: string, timeoutMs: number): OwnedClient {
  let redis: typeof import('redis');
  try {
    redis = createRequire(import.meta.url)('redis') as typeof import('redis');
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw configError(`${NAME} needs the optional peer dependency redis: npm install redis`);
    }
    throw storeFailedError(NAME, err);
  }
  return redis.createClient({
    url,
    // Reject instead of queueing while disconnected: the queue would hold sign-ins hostage.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: timeoutMs,
      // Keep reconnecting in the background (at most every second) so the store heals by itself.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 5), 1_000),
    },
  });
}

function checkUrl(url: unknown): string {
  let protocol = '';
  try {
    protocol = typeof url === 'string' ? new URL(url).protocol : '';
  } catch {
    // reported below; the message never repeats the URL, which may carry a password
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw configError(`${NAME}: url must be a redis:// or rediss:// URL`);
  }
  return url as string;
}

/**
 * An {@link OptOutStore} in Redis, shared by every server of a fleet: `has` is `EXISTS`, `add` is `SET`
 * of HMAC-SHA256 keys under `prefix`. Calls reject with a `Uid2Error` within `timeoutMs` when Redis is
 * down (`UID2_NETWORK`) or slow (`UID2_TIMEOUT`); an owned client reconnects in the background, so the
 * store works again once Redis is back.
 *
 * @example
 * ```ts
 * import { PublisherClient } from 'uid2-publisher';
 * import { RedisOptOutStore } from 'uid2-publisher/redis';
 *
 * const optOuts = new RedisOptOutStore({ url: process.env.REDIS_URL!, key: process.env.UID2_OPTOUT_KEY! });
 * const client = new PublisherClient({ baseUrl, apiKey, secretKey, optOuts });
 * process.on('SIGTERM', () => void optOuts.close());
 * ```
 */
export class RedisOptOutStore implements OptOutStore {
  readonly #hasher: OptOutHasher;
  readonly #prefix: string;
  readonly #ttlSeconds: number | undefined;
  readonly #timeoutMs: number;
  readonly #client: RedisClientLike;
  readonly #owned: OwnedClient | undefined;
  /** The first connection of an owned client while it is pending; callers wait for it, later ones do not. */
  #firstConnect: Promise<void> | undefined;
  #connectStarted = false;
  readonly #inflight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  constructor(options: RedisOptOutStoreOptions) {
    checkOptionKeys(options, NAME, OPTIONS);
    this.#hasher = new OptOutHasher(options.key, 'key');
    const prefix = options.prefix ?? 'uid2:optout:';
    if (typeof prefix !== 'string' || prefix.length > 256) {
      throw configError(`${NAME}: prefix must be a string of at most 256 characters`);
    }
    this.#prefix = prefix;
    this.#ttlSeconds =
      options.ttlSeconds === undefined
        ? undefined
        : integerOption('ttlSeconds', options.ttlSeconds, 0, 1, 20 * 365 * 86_400);
    this.#timeoutMs = integerOption('timeoutMs', options.timeoutMs, 1_000, 1, 60_000);
    if ((options.client === undefined) === (options.url === undefined)) {
      throw configError(`${NAME}: give exactly one of client and url`);
    }
    if (options.client !== undefined) {
      const client = options.client as Partial<RedisClientLike> | null;
      if (client === null || typeof client !== 'object' || typeof client.sendCommand !== 'function') {
        throw configError(`${NAME}: client must be a node-redis client (createClient())`);
      }
      this.#client = options.client;
    } else {
      const owned = createOwnedClient(checkUrl(options.url), this.#timeoutMs);
      // Without a listener an 'error' event (one per failed reconnect) would crash the process; the
      // failures reach callers as rejections of has/add instead.
      owned.on('error', () => {});
      this.#owned = owned;
      this.#client = owned as unknown as RedisClientLike;
    }
  }

  async has(subject: string): Promise<boolean> {
    return (await this.#command(['EXISTS', this.#key(subject)])) === 1;
  }

  async add(subject: string): Promise<void> {
    const args = ['SET', this.#key(subject), '1'];
    if (this.#ttlSeconds !== undefined) args.push('EX', String(this.#ttlSeconds));
    await this.#command(args);
  }

  /**
   * Waits for calls in flight (each bounded by `timeoutMs`), then closes the client the store created.
   * A client passed in stays open. Idempotent; later calls reject with `UID2_INVALID_CONFIG`.
   */
  close(): Promise<void> {
    this.#closing ??= Promise.allSettled([...this.#inflight]).then(() => {
      this.#owned?.destroy();
    });
    return this.#closing;
  }

  #key(subject: string): string {
    if (this.#closing !== undefined) throw closedStoreError(NAME);
    return this.#prefix + this.#hasher.storageKey(subject);
  }

  #command(args: string[]): Promise<unknown> {
    const call = this.#bounded(args);
    this.#inflight.add(call);
    const forget = () => this.#inflight.delete(call);
    call.then(forget, forget);
    return call;
  }

  async #bounded(args: string[]): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(storeTimeoutError(NAME, this.#timeoutMs)), this.#timeoutMs);
    });
    expired.catch(() => {}); // only ever observed through the races below
    try {
      await Promise.race([this.#ready(), expired]);
      const reply = this.#client.sendCommand(args, { timeout: this.#timeoutMs });
      return await Promise.race([reply, expired]);
    } catch (err) {
      if (err instanceof Uid2Error) throw err;
      // node-redis's own command timeout (same duration as ours) may fire first.
      if ((err as { name?: unknown } | null)?.name === 'TimeoutError')
        throw storeTimeoutError(NAME, this.#timeoutMs);
      throw storeFailedError(NAME, err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when commands can be sent; rejects at once when the connection is down. */
  #ready(): Promise<void> {
    if (this.#client.isReady) return Promise.resolve();
    const owned = this.#owned;
    if (owned !== undefined && !this.#connectStarted) {
      this.#connectStarted = true;
      this.#firstConnect = new Promise<void>((resolve, reject) => {
        const settle = (err?: unknown) => {
          owned.off('ready', settle);
          owned.off('error', settle);
          this.#firstConnect = undefined;
          if (err === undefined) resolve();
          else reject(storeFailedError(NAME, err));
        };
        owned.once('ready', settle);
        owned.once('error', settle);
      });
      this.#firstConnect.catch(() => {});
      // connect() retries in the background until ready or destroy(); its outcome arrives as events.
      owned.connect().catch(() => {});
    }
    return this.#firstConnect ?? Promise.reject(storeFailedError(NAME));
  }

  toJSON(): Record<string, unknown> {
    return { type: NAME, prefix: this.#prefix, ready: this.#client.isReady };
  }

  [inspect.custom](): string {
    return `${NAME} { prefix: '${this.#prefix}', ready: ${this.#client.isReady} }`;
  }
}
