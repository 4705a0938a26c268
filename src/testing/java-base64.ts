/**
 * The operator's base64 reader, `java.util.Base64.getDecoder()`, which is laxer than the client's
 * strict decoder in one way (padding optional) and stricter in others. Every operator-side check that
 * reads base64 (envelopes, hashes, refresh tokens, TC strings) goes through this one function.
 */

const BASE64_UNPADDED = /^[A-Za-z0-9+/]*$/;
const BASE64_PADDED = /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;

/**
 * `java.util.Base64.getDecoder().decode(String)`: standard alphabet, padding optional but correct when
 * present, no whitespace, no URL-safe characters; null where Java throws IllegalArgumentException.
 *
 * @example
 * ```ts
 * javaBase64Decode('dGVzdA');  // <Buffer 74 65 73 74> (padding is optional)
 * javaBase64Decode('dGVzdA\n'); // null
 * ```
 */
export function javaBase64Decode(text: string): Buffer | null {
  if (text.includes('=')) {
    if (text.length % 4 !== 0 || !BASE64_PADDED.test(text)) return null;
  } else if (text.length % 4 === 1 || !BASE64_UNPADDED.test(text)) {
    return null;
  }
  return Buffer.from(text, 'base64');
}
