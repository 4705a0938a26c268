/**
 * Advertising tokens of the local operator, shaped like the real V4 tokens (PROTOCOL.md §3.4) and
 * really decodable by the operator that minted them, which `/v2/token/validate` needs:
 *
 * `scope<<4|type<<2|3`, 0x80 (V4), key id (int32 BE), then AES-GCM IV(12) || ciphertext(129) || tag(16)
 * under the operator's advertising key: 163 bytes, 218 base64url characters without padding, so the
 * text starts `A4`/`B4` (UID2 email/phone) or `E4`/`F4` (EUID). The 129-byte payload:
 *
 * | offset | bytes | field                                                     |
 * | ------ | ----- | --------------------------------------------------------- |
 * | 0      | 8     | identity expires, epoch ms                                 |
 * | 8      | 8     | created, epoch ms                                          |
 * | 16     | 4     | site id of the client it was issued to                     |
 * | 20     | 8     | established, epoch ms                                      |
 * | 28     | 32    | raw UID: SHA-256(first-level hash ‖ the operator's salt)   |
 * | 60     | 6     | the 6 header bytes again, so that editing them fails         |
 * | 66     | 63    | random: where a real token keeps operator and privacy data |
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { gcmEncrypt, gcmOpen, IV_LENGTH, TAG_LENGTH } from '../envelope.js';
import type { IdentityType, OperatorScope } from './types.js';

/** Byte 1 of an advertising token (TokenVersion.V4). */
const VERSION = 0x80;
const HEAD_LENGTH = 6;
const PAYLOAD_LENGTH = 129;
const TOKEN_BYTES = HEAD_LENGTH + IV_LENGTH + PAYLOAD_LENGTH + TAG_LENGTH;

/**
 * What an advertising token carries.
 *
 * @example
 * ```ts
 * const claims: AdvertisingClaims | null = state.adTokens.open(token);
 * claims?.siteId; // the site of the client it was issued to
 * ```
 */
export interface AdvertisingClaims {
  scope: OperatorScope;
  type: IdentityType;
  siteId: number;
  /** The raw UID, 32 bytes. */
  rawUid: Buffer;
  identityExpires: number;
  createdAt: number;
  establishedAt: number;
}

/** The first byte of every token: scope, identity type, and the two low bits real tokens set. */
export function tokenTypeByte(scope: OperatorScope, type: IdentityType): number {
  return ((scope === 'euid' ? 1 : 0) << 4) | ((type === 'phone' ? 1 : 0) << 2) | 3;
}

/**
 * Mints and opens advertising tokens under one key, and maps first-level hashes to raw UIDs.
 *
 * @example
 * ```ts
 * const ad = new AdvertisingTokens();
 * const token = ad.mint({ scope: 'uid2', type: 'email', siteId: 999, rawUid, identityExpires, createdAt, establishedAt });
 * ad.open(token)?.siteId; // 999
 * ```
 */
export class AdvertisingTokens {
  /** In the range real key ids use, so two operators rarely share one (and fail GCM if they do). */
  readonly #keyId = randomInt(1000, 60_000);
  readonly #key = randomBytes(32);
  /** Stands for the operator's rotating salt: one per operator, never rotated. */
  readonly #salt = randomBytes(32);

  /** The raw UID of an identity, from the first-level hash its tokens carry. */
  rawUid(firstLevelHash: Buffer): Buffer {
    return createHash('sha256').update(firstLevelHash).update(this.#salt).digest();
  }

  /** A new token; every call gives a different one (random IV and padding). */
  mint(claims: AdvertisingClaims): string {
    const payload = Buffer.alloc(PAYLOAD_LENGTH);
    payload.writeBigInt64BE(BigInt(claims.identityExpires), 0);
    payload.writeBigInt64BE(BigInt(claims.createdAt), 8);
    payload.writeInt32BE(claims.siteId, 16);
    payload.writeBigInt64BE(BigInt(claims.establishedAt), 20);
    claims.rawUid.copy(payload, 28, 0, 32);
    const head = Buffer.alloc(HEAD_LENGTH);
    head[0] = tokenTypeByte(claims.scope, claims.type);
    head[1] = VERSION;
    head.writeInt32BE(this.#keyId, 2);
    // The cipher here takes no additional data, so the header is sealed inside to authenticate it.
    head.copy(payload, 60);
    randomBytes(PAYLOAD_LENGTH - 66).copy(payload, 66);
    const iv = randomBytes(IV_LENGTH);
    return Buffer.concat([head, iv, gcmEncrypt(this.#key, iv, payload)]).toString('base64url');
  }

  /**
   * The claims of one of this operator's tokens, or null for anything else: not strict unpadded
   * base64url, another length or version, an unknown key id, or a failed GCM tag.
   */
  open(token: unknown): AdvertisingClaims | null {
    if (typeof token !== 'string' || token.length !== Math.ceil((TOKEN_BYTES * 4) / 3)) return null;
    const bytes = Buffer.from(token, 'base64url');
    // Buffer skips characters outside the alphabet; re-encoding catches them.
    if (bytes.length !== TOKEN_BYTES || bytes.toString('base64url') !== token) return null;
    const first = bytes[0] as number;
    if (bytes[1] !== VERSION || (first & 3) !== 3 || bytes.readInt32BE(2) !== this.#keyId) return null;
    const payload = gcmOpen(this.#key, bytes, HEAD_LENGTH);
    if (payload === null || payload.length !== PAYLOAD_LENGTH) return null;
    if (!payload.subarray(60, 66).equals(bytes.subarray(0, HEAD_LENGTH))) return null;
    return {
      scope: first >> 4 === 1 ? 'euid' : 'uid2',
      type: ((first >> 2) & 3) === 1 ? 'phone' : 'email',
      siteId: payload.readInt32BE(16),
      rawUid: Buffer.from(payload.subarray(28, 60)),
      identityExpires: Number(payload.readBigInt64BE(0)),
      createdAt: Number(payload.readBigInt64BE(8)),
      establishedAt: Number(payload.readBigInt64BE(20)),
    };
  }
}
