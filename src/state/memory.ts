/**
 * An in-process opt-out store: bounded, least-recently-used first out. For tests, a single process
 * that can afford to forget on restart, or as a cache in front of nothing; a fleet wants Redis.
 */
import { inspect } from 'node:util';
import type { SecretKeyInput } from '../keys.js';
import { checkOptionKeys, integerOption } from '../option-checks.js';
import { closedStoreError } from './failures.js';
import { OptOutHasher, type OptOutStore } from './opt-out.js';

/**
 * Options of {@link MemoryOptOutStore}.
 *
 * @example
 * ```ts
 * const options: MemoryOptOutStoreOptions = { key: process.env.UID2_OPTOUT_KEY!, maxEntries: 50_000 };
 * ```
 */
export interface MemoryOptOutStoreOptions {
  /** 32-byte secret (standard base64 or bytes) the subjects are HMACed under. Required. */
  key: SecretKeyInput;
  /** Most entries kept; the least recently used is dropped first. Default 100000 (about 10 MB). */
  maxEntries?: number;
}

const NAME = 'MemoryOptOutStore';
const OPTIONS = ['key', 'maxEntries'] as const;

/**
 * A bounded in-memory {@link OptOutStore} (LRU). Holds HMACs of subjects only. Forgetting an entry
 * is safe: the operator still answers `optout` for that DII; it only costs one request.
 *
 * @example
 * ```ts
 * import { MemoryOptOutStore, PublisherClient } from 'uid2-publisher';
 *
 * const optOuts = new MemoryOptOutStore({ key: process.env.UID2_OPTOUT_KEY! });
 * const client = new PublisherClient({ baseUrl, apiKey, secretKey, optOuts });
 * ```
 */
export class MemoryOptOutStore implements OptOutStore {
  readonly #hasher: OptOutHasher;
  readonly #maxEntries: number;
  // A Map iterates in insertion order, so deleting and re-inserting on a hit keeps the least recently
  // used entry first, where eviction finds it in O(1).
  readonly #entries = new Map<string, true>();
  #closed = false;

  constructor(options: MemoryOptOutStoreOptions) {
    checkOptionKeys(options, NAME, OPTIONS);
    this.#hasher = new OptOutHasher(options.key, 'key');
    this.#maxEntries = integerOption('maxEntries', options.maxEntries, 100_000, 1, 100_000_000);
  }

  /** Number of entries held now. */
  get size(): number {
    return this.#entries.size;
  }

  has(subject: string): boolean {
    if (this.#closed) throw closedStoreError(NAME);
    const key = this.#hasher.storageKey(subject);
    if (!this.#entries.has(key)) return false;
    this.#entries.delete(key);
    this.#entries.set(key, true);
    return true;
  }

  add(subject: string): void {
    if (this.#closed) throw closedStoreError(NAME);
    const key = this.#hasher.storageKey(subject);
    this.#entries.delete(key);
    this.#entries.set(key, true);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  /** Drops every entry; later calls throw `UID2_INVALID_CONFIG`. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#entries.clear();
  }

  toJSON(): Record<string, unknown> {
    return { type: NAME, size: this.#entries.size, maxEntries: this.#maxEntries };
  }

  [inspect.custom](): string {
    return `${NAME} { size: ${this.#entries.size}, maxEntries: ${this.#maxEntries} }`;
  }
}
