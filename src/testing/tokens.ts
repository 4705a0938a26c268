/**
 * Refresh-token minting and decoding (advertising tokens: advertising-token.ts), shaped like the real operator's (PROTOCOL.md §3.3, §3.4) so that nothing
 * downstream can tell them apart by length or prefix:
 *
 * - inner refresh token: 124 bytes, 168 base64 chars: same first byte, 112 (V3), refresh key id (4),
 *   AES-GCM over the 90-byte payload below;
 * - outer refresh token: 388 base64 chars: scope byte, refresh key id (int32 BE), AES-GCM over
 *   `{"refresh_response_key":"…","refresh_token":"<inner>"}`.
 *
 * Both refresh layers use the current refresh key, so a token cannot be forged or edited, and rotating
 * the key makes every earlier token unknown (the operator's "Generator … does not exist" error).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { gcmEncrypt, gcmOpen, IV_LENGTH } from '../envelope.js';
import { tokenTypeByte } from './advertising-token.js';
import { javaBase64Decode } from './java-base64.js';
import type { IdentityType, OperatorScope } from './types.js';

/** Byte 1 of an inner refresh token (TokenVersion.V3). */
const REFRESH_TOKEN_VERSION = 112;
const REFRESH_PAYLOAD_LENGTH = 90;
const INNER_TOKEN_LENGTH = 124;

/**
 * What an inner refresh token carries.
 *
 * @example
 * ```ts
 * tokens.openInnerToken(inner)?.expiresAt; // refresh_expires of the identity
 * ```
 */
export interface RefreshClaims {
  scope: OperatorScope;
  type: IdentityType;
  /** SHA-256(identity hash || salt): the identity without its DII hash. */
  firstLevelHash: Buffer;
  siteId: number;
  createdAt: number;
  /** `refresh_expires` of the identity; the token is dead once `expiresAt < now`. */
  expiresAt: number;
  /** When the identity was first generated; kept across refreshes. */
  establishedAt: number;
}

/**
 * Stage-1 outcome of a 388-char refresh body (V2RequestUtil.parseRefreshRequest).
 *
 * @example
 * ```ts
 * const outer: OuterTokenResult = tokens.openOuterToken(javaBase64Decode(body));
 * ```
 */
export type OuterTokenResult =
  | { ok: true; innerToken: string | null; responseKey: Buffer }
  | { ok: false; message: string };

function seal(key: Buffer, plaintext: Buffer): Buffer {
  const iv = randomBytes(IV_LENGTH);
  return Buffer.concat([iv, gcmEncrypt(key, iv, plaintext)]);
}

/**
 * Random key ids in the range real operators use (real refresh tokens start `AAAA`), so that tokens of
 * two local operators rarely share a key id (and fail GCM if they do).
 */
function newKeyId(): number {
  return randomInt(1000, 60_000);
}

/**
 * Holds the operator's keys and mints and opens its tokens.
 *
 * @example
 * ```ts
 * const tokens = new TokenService('uid2');
 * const { refreshToken } = tokens.wrapRefreshToken(tokens.innerRefreshToken(claims)); // 388 chars
 * ```
 */
export class TokenService {
  readonly scope: OperatorScope;
  readonly #refreshKeys = new Map<number, Buffer>();
  #refreshKeyId: number;

  constructor(scope: OperatorScope) {
    this.scope = scope;
    this.#refreshKeyId = newKeyId();
    this.#refreshKeys.set(this.#refreshKeyId, randomBytes(32));
  }

  /** The id of the key new refresh tokens are sealed with. */
  get refreshKeyId(): number {
    return this.#refreshKeyId;
  }

  /** Ids of every refresh key still accepted. */
  get refreshKeyIds(): number[] {
    return [...this.#refreshKeys.keys()];
  }

  /** Makes a new refresh key current; without `keepOld`, every earlier refresh token stops working. */
  rotateRefreshKey(keepOld: boolean): number {
    if (!keepOld) this.#refreshKeys.clear();
    let id = newKeyId();
    while (this.#refreshKeys.has(id)) id = newKeyId();
    this.#refreshKeys.set(id, randomBytes(32));
    this.#refreshKeyId = id;
    return id;
  }

  #currentKey(): Buffer {
    return this.#refreshKeys.get(this.#refreshKeyId) as Buffer;
  }

  /** The 168-char inner refresh token. */
  innerRefreshToken(claims: RefreshClaims): string {
    const payload = Buffer.alloc(REFRESH_PAYLOAD_LENGTH);
    payload.writeBigInt64BE(BigInt(claims.expiresAt), 0);
    payload.writeBigInt64BE(BigInt(claims.createdAt), 8);
    // Operator identity (site, type, version, key id) and publisher identity (site, id, client key id):
    // the operator's layout, filled the way a local operator would.
    payload.writeInt32BE(-1, 16);
    payload[20] = 0;
    payload.writeInt32BE(1, 21);
    payload.writeInt32BE(0, 25);
    payload.writeInt32BE(claims.siteId, 29);
    payload.writeBigInt64BE(0n, 33);
    payload.writeInt32BE(0, 41);
    payload.writeInt32BE(1, 45); // privacy bits
    payload.writeBigInt64BE(BigInt(claims.establishedAt), 49);
    payload[57] = tokenTypeByte(claims.scope, claims.type) >> 2;
    claims.firstLevelHash.copy(payload, 58, 0, 32);
    const head = Buffer.alloc(6);
    head[0] = tokenTypeByte(claims.scope, claims.type);
    head[1] = REFRESH_TOKEN_VERSION;
    head.writeInt32BE(this.#refreshKeyId, 2);
    return Buffer.concat([head, seal(this.#currentKey(), payload)]).toString('base64');
  }

  /** Claims of an inner token, or null when it is not one of this operator's (stage-2 invalid). */
  openInnerToken(token: string | null): RefreshClaims | null {
    if (token === null || token.length !== 168) return null;
    const bytes = Buffer.from(token, 'base64');
    if (bytes.length !== INNER_TOKEN_LENGTH || bytes.toString('base64') !== token) return null;
    if (bytes[1] !== REFRESH_TOKEN_VERSION) return null;
    const key = this.#refreshKeys.get(bytes.readInt32BE(2));
    const payload = key === undefined ? null : gcmOpen(key, bytes, 6);
    if (payload === null || payload.length !== REFRESH_PAYLOAD_LENGTH) return null;
    const identity = payload[57] as number;
    return {
      scope: identity >> 2 === 1 ? 'euid' : 'uid2',
      type: (identity & 3) === 1 ? 'phone' : 'email',
      firstLevelHash: Buffer.from(payload.subarray(58, 90)),
      siteId: payload.readInt32BE(29),
      createdAt: Number(payload.readBigInt64BE(8)),
      expiresAt: Number(payload.readBigInt64BE(0)),
      establishedAt: Number(payload.readBigInt64BE(49)),
    };
  }

  /**
   * The 388-char outer token around `innerToken` with a fresh `refresh_response_key`. `wrapperJson`
   * replaces the sealed JSON (to craft broken tokens in tests).
   */
  wrapRefreshToken(
    innerToken: string,
    options: { responseKey?: string; wrapperJson?: string } = {},
  ): { refreshToken: string; refreshResponseKey: string } {
    const refreshResponseKey = options.responseKey ?? randomBytes(32).toString('base64');
    const json =
      options.wrapperJson ??
      JSON.stringify({ refresh_response_key: refreshResponseKey, refresh_token: innerToken });
    const head = Buffer.alloc(5);
    head[0] = this.scope === 'euid' ? 0x10 : 0x00;
    head.writeInt32BE(this.#refreshKeyId, 1);
    const sealed = seal(this.#currentKey(), Buffer.from(json, 'utf8'));
    return { refreshToken: Buffer.concat([head, sealed]).toString('base64'), refreshResponseKey };
  }

  /** Stage 1 on a 388-char body: base64, key id, GCM, then the wrapper JSON. */
  openOuterToken(bytes: Buffer | null): OuterTokenResult {
    if (bytes === null) return { ok: false, message: 'Invalid body: Body is not valid base64.' };
    const keyId = bytes.readInt32BE(1);
    const key = this.#refreshKeys.get(keyId);
    if (key === undefined) {
      return {
        ok: false,
        message: `Invalid key: Generator of this token (Key ID: ${keyId}) does not exist.`,
      };
    }
    const plaintext = gcmOpen(key, bytes, 5);
    if (plaintext === null) {
      return { ok: false, message: 'Invalid data: Check encryption method and encryption key.' };
    }
    const badFormat = {
      ok: false,
      message: 'Invalid format: Payload is not valid json or missing required data.',
    } as const;
    let wrapper: unknown;
    try {
      wrapper = JSON.parse(plaintext.toString('utf8'));
    } catch {
      return badFormat;
    }
    if (wrapper === null || typeof wrapper !== 'object' || Array.isArray(wrapper)) return badFormat;
    const { refresh_response_key: key64, refresh_token: inner } = wrapper as Record<string, unknown>;
    if (typeof key64 !== 'string') return badFormat;
    const responseKey = javaBase64Decode(key64);
    if (responseKey === null) return badFormat;
    return { ok: true, innerToken: typeof inner === 'string' ? inner : null, responseKey };
  }
}
