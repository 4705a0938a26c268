/**
 * API clients of the local operator and the bearer-token rules of uid2-shared's AuthMiddleware
 * (PROTOCOL.md §1, §10): trimmed header, case-insensitive `bearer ` prefix, the rest is the key.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { Uid2Error } from '../errors.js';
import { decodeSecretKey } from '../keys.js';
import type { OperatorScope } from './types.js';

/**
 * Roles a client key can hold. Only `GENERATOR` matters for the publisher endpoints.
 *
 * @example
 * ```ts
 * const roles: OperatorRole[] = ['GENERATOR'];
 * ```
 */
export type OperatorRole = 'GENERATOR' | 'MAPPER' | 'ID_READER' | 'SHARER' | 'OPTOUT';

/**
 * One API client of the local operator.
 *
 * @example
 * ```ts
 * const op = await startLocalOperator({
 *   clients: [{ apiKey: generateApiKey('uid2', 124), secretKey, siteId: 124 }],
 * });
 * ```
 */
export interface LocalClientOptions {
  /** The key sent as `Authorization: Bearer <apiKey>`. Any non-empty string. */
  apiKey: string;
  /** The client secret: standard base64 of 32 bytes. */
  secretKey: string;
  /** Site id written into tokens. Default 999. */
  siteId?: number;
  /** Roles. Default `['GENERATOR']`. */
  roles?: readonly OperatorRole[];
  /** A disabled key gets 401 on generate but still counts as authenticated on refresh. */
  disabled?: boolean;
  /** A label for your own bookkeeping; never sent anywhere. */
  name?: string;
}

/**
 * A client as the operator holds it: secret decoded once.
 *
 * @example
 * ```ts
 * const client: RegisteredClient | null = registry.authorizeGenerator(req.headers.authorization);
 * ```
 */
export interface RegisteredClient {
  readonly name: string;
  readonly apiKey: string;
  readonly secret: Buffer;
  readonly siteId: number;
  readonly roles: ReadonlySet<OperatorRole>;
  readonly disabled: boolean;
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ALPHANUMERIC = BASE64_ALPHABET.slice(0, 62);

function randomChars(alphabet: string, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * A random API key shaped like a real one: `UID2-C-L-<siteId>-<6 chars>.<38 chars>` (`EUID-` in EUID
 * scope), so that clients which sniff the key format see nothing unusual.
 *
 * @example
 * ```ts
 * generateApiKey('uid2', 999); // 'UID2-C-L-999-' + 6 random chars + '.' + 38 random chars
 * ```
 */
export function generateApiKey(scope: OperatorScope, siteId: number): string {
  const product = scope === 'euid' ? 'EUID' : 'UID2';
  return `${product}-C-L-${siteId}-${randomChars(ALPHANUMERIC, 6)}.${randomChars(BASE64_ALPHABET, 37)}=`;
}

/**
 * A fresh random client secret: standard base64 of 32 random bytes.
 *
 * @example
 * ```ts
 * const op = await startLocalOperator({ clients: [{ apiKey: generateApiKey('uid2', 7), secretKey: generateSecretKey() }] });
 * ```
 */
export function generateSecretKey(): string {
  return randomBytes(32).toString('base64');
}

/**
 * The key inside an `Authorization` header, or null. Java's `String.trim()` strips every char up to
 * U+0020, not Unicode spaces, so this does the same.
 *
 * @example
 * ```ts
 * extractBearerToken('  bearer UID2-C-L-1-abc.def  '); // 'UID2-C-L-1-abc.def'
 * ```
 */
export function extractBearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  let start = 0;
  let end = header.length;
  while (start < end && header.charCodeAt(start) <= 0x20) start++;
  while (end > start && header.charCodeAt(end - 1) <= 0x20) end--;
  const trimmed = header.slice(start, end);
  if (trimmed.length <= 7 || trimmed.slice(0, 7).toLowerCase() !== 'bearer ') return null;
  return trimmed.slice(7);
}

/**
 * The operator's key store: lookup by exact key, as the salted-hash lookup amounts to.
 *
 * @example
 * ```ts
 * const registry = new ClientRegistry([{ apiKey, secretKey }]);
 * registry.authorizeGenerator(`Bearer ${apiKey}`)?.siteId; // 999
 * ```
 */
export class ClientRegistry {
  readonly #byKey = new Map<string, RegisteredClient>();

  constructor(clients: readonly LocalClientOptions[]) {
    clients.forEach((client, index) => {
      if (typeof client.apiKey !== 'string' || client.apiKey.length === 0) {
        throw new Uid2Error('UID2_INVALID_CONFIG', `clients[${index}].apiKey must be a non-empty string`);
      }
      if (this.#byKey.has(client.apiKey)) {
        throw new Uid2Error('UID2_INVALID_CONFIG', `clients[${index}].apiKey is a duplicate`);
      }
      const siteId = client.siteId ?? 999;
      if (!Number.isSafeInteger(siteId) || siteId < 0 || siteId > 0x7fffffff) {
        throw new Uid2Error('UID2_INVALID_CONFIG', `clients[${index}].siteId must be a positive int32`);
      }
      this.#byKey.set(client.apiKey, {
        name: client.name ?? `client-${index + 1}`,
        apiKey: client.apiKey,
        secret: decodeSecretKey(client.secretKey, `clients[${index}].secretKey`),
        siteId,
        roles: new Set(client.roles ?? ['GENERATOR']),
        disabled: client.disabled === true,
      });
    });
  }

  /** The client an `Authorization` header names, whatever its state, or null. */
  resolve(header: string | undefined): RegisteredClient | null {
    const key = extractBearerToken(header);
    return key === null ? null : (this.#byKey.get(key) ?? null);
  }

  /** The client allowed to call generate (enabled, with `GENERATOR`), or null for a 401. */
  authorizeGenerator(header: string | undefined): RegisteredClient | null {
    const client = this.resolve(header);
    return client !== null && !client.disabled && client.roles.has('GENERATOR') ? client : null;
  }
}
