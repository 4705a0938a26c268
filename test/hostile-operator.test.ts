/**
 * Nothing from the wire carries a secret out (issue 8, point 2). A hostile operator (or proxy, or
 * middlebox) echoes everything it can: the API key from the Authorization header, the refresh token
 * from the body, and (knowing them, as a worst case) the client secret, the refresh response key and
 * the advertising token: whole, halved, and straddling the 500-character cut, in every field of every
 * status. No error, cause chain, result or detail may then hold any of them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealRefreshResponse } from '../src/envelope.js';
import { type Identity, PublisherClient, Uid2Error } from '../src/index.js';

const SECRET_KEY = Buffer.alloc(32, 9).toString('base64');
const API_KEY = 'UID2-C-L-999-Abc123.qwertyuiopASDFGHJKLzxcvbnm0123456789+/=';
const REFRESH_KEY = Buffer.alloc(32, 5).toString('base64');
const REFRESH_TOKEN = `AAAAA${Buffer.alloc(287, 0x5a).toString('base64').slice(0, 383)}`;
const ADVERTISING_TOKEN = `A4AAAB${'q1w2e3r4t5'.repeat(21)}`;
/** The client's own secrets: every call carries them (the key in a header, the secret as the cipher key). */
const CLIENT_SECRETS = [API_KEY, SECRET_KEY, Buffer.from(SECRET_KEY, 'base64').toString('hex')];
/** What each endpoint's call carries besides: an operator can only echo what it was sent. */
const CALL_SECRETS: Record<string, string[]> = {
  '/v2/token/generate': [],
  '/v2/token/refresh': [REFRESH_TOKEN, REFRESH_KEY, ADVERTISING_TOKEN],
  '/v2/token/validate': [ADVERTISING_TOKEN],
};
const SECRETS = [...CLIENT_SECRETS, REFRESH_TOKEN, REFRESH_KEY, ADVERTISING_TOKEN];

/** Every form a secret is echoed in: whole, each half, and cut by the 500-character limit. */
function echoes(secret: string): string[] {
  const half = Math.floor(secret.length / 2);
  return [secret, secret.slice(0, half), secret.slice(half), `${'x'.repeat(500 - half)}${secret}`];
}

/** What must never be seen: each secret and each half (a 6+ character run of one is a leak). */
const FORBIDDEN = SECRETS.flatMap((s) => [
  s,
  s.slice(0, Math.floor(s.length / 2)),
  s.slice(Math.floor(s.length / 2)),
]);

function identity(): Identity {
  const now = Date.now();
  return {
    advertising_token: ADVERTISING_TOKEN,
    refresh_token: REFRESH_TOKEN,
    identity_expires: now + 3_600_000,
    refresh_expires: now + 86_400_000,
    refresh_from: now - 1,
    refresh_response_key: REFRESH_KEY,
  };
}

let server: Server;
let baseUrl: string;
/** The answer the next request gets: status and the echoed text to put in every field. */
let next: { status: number; echo: (seen: string, path: string) => string; sealed?: boolean } = {
  status: 400,
  echo: (seen) => seen,
};

async function readAll(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  const seen = `${req.headers.authorization ?? ''} ${body}`;
  const text = next.echo(seen, req.url ?? '');
  const json = JSON.stringify({
    status: text,
    message: text,
    detail: text,
    body: text,
    error: { message: text },
  });
  if (next.sealed) {
    // A 200 sealed with the identity's own key: a real refresh answer, whose status and message echo.
    const sealed = sealRefreshResponse(
      Buffer.from(REFRESH_KEY, 'base64'),
      JSON.stringify({ status: 'invalid_token', message: text }),
    );
    res.writeHead(200, { 'content-type': 'text/plain' }).end(sealed.toString('base64'));
    return;
  }
  res.writeHead(next.status, { 'content-type': 'application/json' }).end(json);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    readAll(req)
      .then((body) => answer(req, res, body))
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(): PublisherClient {
  return new PublisherClient({
    baseUrl,
    apiKey: API_KEY,
    secretKey: SECRET_KEY,
    retries: 0,
    timeoutMs: 2_000,
  });
}

/** Every view of a value a log line, a JSON log or a debugger could show, cause chain included. */
function views(value: unknown): string[] {
  const out = [JSON.stringify(value) ?? '', inspect(value, { showHidden: true, depth: 10 })];
  for (let err: unknown = value, depth = 0; err instanceof Error && depth < 10; depth++) {
    out.push(
      err.message,
      err.stack ?? '',
      String((err as Uid2Error).operatorMessage),
      String((err as Uid2Error).operatorStatus),
    );
    err = err.cause;
  }
  if (value !== null && typeof value === 'object' && 'detail' in value) out.push(String(value.detail));
  return out;
}

function expectClean(value: unknown): void {
  for (const view of views(value)) for (const secret of FORBIDDEN) expect(view).not.toContain(secret);
}

/** The code each echoed status must give: the echo changes nothing but the (scrubbed) text. */
const EXPECTED_CODE: Record<number, string> = {
  200: 'UID2_DECRYPT_FAILED',
  400: 'UID2_BAD_REQUEST',
  401: 'UID2_UNAUTHORIZED',
  429: 'UID2_RATE_LIMITED',
  500: 'UID2_SERVER_ERROR',
  503: 'UID2_SERVER_ERROR',
};
const STATUSES = Object.keys(EXPECTED_CODE).map(Number);

describe('a hostile operator that echoes secrets', () => {
  for (const status of STATUSES) {
    for (const [index, secret] of SECRETS.entries()) {
      it(`HTTP ${status}, secret #${index}: no secret in errors or results of generate, refresh and validate`, async () => {
        const c = client();
        try {
          for (const form of echoes(secret)) {
            const carried = (path: string) =>
              CLIENT_SECRETS.includes(secret) || CALL_SECRETS[path]?.includes(secret);
            next = { status, echo: (seen, path) => (carried(path) ? `${seen} ${form} ${seen}` : seen) };
            const outcomes = await Promise.allSettled([
              c.generateToken({ email: 'user@example.com' }),
              c.refreshToken(identity()),
              c.validateToken(ADVERTISING_TOKEN, { email: 'user@example.com' }),
            ]);
            for (const outcome of outcomes) {
              const value = outcome.status === 'fulfilled' ? outcome.value : outcome.reason;
              expect(outcome.status).toBe('rejected');
              expect((value as Uid2Error).code).toBe(EXPECTED_CODE[status]);
              expectClean(value);
            }
          }
        } finally {
          await c.close();
        }
      });
    }
  }

  it("a sealed refresh answer whose message echoes the call's secrets keeps a scrubbed detail", async () => {
    const c = client();
    try {
      next = {
        status: 200,
        sealed: true,
        echo: (seen) => `token was ${seen} key ${REFRESH_KEY} ad ${ADVERTISING_TOKEN}`,
      };
      const result = await c.refreshToken(identity());
      expect(result.status).toBe('invalid_token');
      expect(result.status === 'invalid_token' && result.detail).toContain('[redacted]');
      expectClean(result);
    } finally {
      await c.close();
    }
  });

  it('the check can fail: an unscrubbed echo is caught', () => {
    expect(() =>
      expectClean(new Uid2Error('UID2_BAD_REQUEST', `operator said ${API_KEY.slice(0, 30)}`)),
    ).toThrow();
  });
});
