/** This package's version; a test keeps it equal to package.json. */
export const VERSION = '0.1.0';
/** The `X-UID2-Client-Version` header value this library sends. */
export const CLIENT_VERSION_HEADER = `uid2-publisher-${VERSION}`;
