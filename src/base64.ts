/**
 * Strict standard base64, as the operator's Java decoder and the mobile SDKs expect it.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Decodes standard base64 strictly (padding required, no whitespace, no URL-safe alphabet, no stray
 * bits), or returns null.
 *
 * Node's decoder skips characters outside the alphabet and also takes `-` and `_`; so a skipped
 * character shows as a short result, the URL-safe ones are looked for, and the bits the last quantum
 * drops must be zero. This is several times cheaper than a regular expression or a re-encode over a
 * 1 KiB answer, and exactly as strict.
 */
export function decodeBase64Strict(text: string): Buffer | null {
  const length = text.length;
  if (length % 4 !== 0) return null;
  if (length === 0) return Buffer.alloc(0);
  if (text.indexOf('-') !== -1 || text.indexOf('_') !== -1) return null;
  const padding = text.charCodeAt(length - 1) !== 61 ? 0 : text.charCodeAt(length - 2) === 61 ? 2 : 1;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== (length / 4) * 3 - padding) return null;
  if (padding > 0) {
    // The character before the padding carries 4 (for "==") or 2 (for "=") bits that must be zero.
    const last = ALPHABET.indexOf(text.charAt(length - 1 - padding));
    if ((last & (padding === 2 ? 0b1111 : 0b11)) !== 0) return null;
  }
  return bytes;
}

/** The key bytes of canonical standard base64 of a 16-, 24- or 32-byte AES key, or null. */
export function decodeAesKey(text: string): Buffer | null {
  if (text.length !== 24 && text.length !== 32 && text.length !== 44) return null;
  const bytes = decodeBase64Strict(text);
  return bytes !== null && (bytes.length === 16 || bytes.length === 24 || bytes.length === 32) ? bytes : null;
}

/** True for canonical standard base64 of a 16-, 24- or 32-byte AES key. */
export function isAesKeyBase64(text: string): boolean {
  return decodeAesKey(text) !== null;
}
