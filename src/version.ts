/**
 * This package's version; a test keeps it equal to package.json.
 *
 * @example
 * ```ts
 * console.log(`uid2-publisher ${VERSION}`);
 * ```
 */
export const VERSION = '0.1.0';
/**
 * The `X-UID2-Client-Version` header value this library sends.
 *
 * @example
 * ```ts
 * const headers = { 'x-uid2-client-version': CLIENT_VERSION_HEADER }; // when sending requests yourself
 * ```
 */
export const CLIENT_VERSION_HEADER = `uid2-publisher-${VERSION}`;
