// The free names the documentation's snippets use, declared once with honest types: what a publisher's
// back end already has in scope where the snippet would sit (its client, the request, its own small
// helpers). check-snippets turns each `declare` into an export and imports into a block only the names
// the block does not bind itself. Keep it small: a snippet that needs something else should say where
// it comes from (import it, or declare it in the snippet).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GenerateResult, Identity, PublisherClient } from 'uid2-publisher';
import type { LocalOperator } from 'uid2-publisher/testing';

/** The app's signed-in user, as the back end knows it. */
interface User {
  id: string;
  email: string;
}

/** A server-side session of a signed-in user, holding the identity JSON the app was given. */
interface Session {
  userId: string;
  email: string;
  identityJson: string;
}

/** Whatever structured logger or metrics client the back end already uses. */
interface Logger {
  debug(message: unknown, fields?: object): void;
  info(message: unknown, fields?: object): void;
  warn(message: unknown, fields?: object): void;
  error(message: unknown, fields?: object): void;
}
interface Metrics {
  increment(name: string, tags?: Record<string, string | undefined>): void;
  gauge(name: string, value: number, tags?: Record<string, string | undefined>): void;
  histogram(name: string, value: number, tags?: Record<string, string | undefined>): void;
}

// The client and its credentials (environment variables in a real back end).
declare const client: PublisherClient;
declare const op: LocalOperator;
declare const apiKey: string;
declare const secretKey: string;
/** The client secret, as the bring-your-own-HTTP examples name it (same value as `secretKey`). */
declare const secret: string;
declare const baseUrl: string;
// What one request handler has.
declare const req: IncomingMessage;
declare const res: ServerResponse;
declare const signal: AbortSignal;
declare const user: User;
declare const session: Session;
declare const email: string;
declare const phone: string;
declare const identity: Identity;
declare const identityJson: string;
declare const advertisingToken: string;
/** What `client.generateToken(...)` just answered. */
declare const result: GenerateResult;
/** An EUID caller's TCF v2 consent string. */
declare const tcString: string;
/** Sealed-identity keys (32 bytes, base64), newest first, and the sealed cookie value. */
declare const keys: string[];
declare const cookie: string;
// Bring-your-own-HTTP: what the caller's own HTTP stack got back, and the nonce it kept.
declare const responseText: string;
declare const refreshResponseText: string;
declare const nonce: Uint8Array;
/** A caught exception. */
declare const err: unknown;
declare const log: Logger;
declare const logger: Logger;
declare const metrics: Metrics;
// The examples for tests (uid2-publisher/testing) assert with vitest.
declare const expect: typeof import('vitest').expect;
// The back end's own small helpers.
declare function reply(body: string): void;
declare function signInAgain(): void;
/** Writes the (sealed) identity cookie on the response. */
declare function setCookie(value: string): void;
declare function rememberOptOut(who?: User | string): void;
declare function forgetIdentity(session: Session): void;
