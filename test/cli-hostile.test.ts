/**
 * The CLI against a hostile operator: one that echoes what it was sent (the Authorization header, the
 * request body, the refresh token) and the client secret into every field of every answer, wrapped in
 * terminal escapes. Nothing secret, and no control character, may reach stdout or stderr.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/io.js';
import { runCli } from '../src/cli/main.js';
import { capture, UNPRINTABLE } from './support/cli-capture.js';

const apiKey = `UID2-C-L-999-${randomBytes(24).toString('base64url')}`;
const secretKey = randomBytes(32).toString('base64');
const identity = {
  advertising_token: `A4AAAA${randomBytes(120).toString('base64')}`,
  refresh_token: randomBytes(291).toString('base64'),
  identity_expires: Date.now() + 3_600_000,
  refresh_expires: Date.now() + 86_400_000,
  refresh_from: Date.now() + 600_000,
  refresh_response_key: randomBytes(32).toString('base64'),
};
const identityLine = JSON.stringify({ status: 'success', identity });

/** Terminal escapes an operator could use to fake lines, write the clipboard or reorder text. */
const ESCAPES =
  '\r\nUID2_FAKE: ok\u001b[2J\u001b]52;c;cHduZWQ\u0007\u001b]0;title\u001b\\\u009b31m\u202e\u2066\u0085';

const SECRETS = [
  apiKey,
  secretKey,
  identity.refresh_token,
  identity.refresh_response_key,
  identity.advertising_token,
];
/** A secret whole and in parts (a prefix and a suffix, as a cut at a length cap leaves them). */
const pieces = (value: string) => [
  value,
  value.slice(0, -1),
  value.slice(1),
  value.slice(0, 24),
  value.slice(-24),
];

let server: Server;
let baseUrl: string;
/** How the next answers are shaped: HTTP status and the `status` field (undefined: the echo itself). */
let answer: { http: number; status?: string; prefix?: string } = { http: 400 };
let requests = 0;

/**
 * What the operator echoes: what it received (Authorization, body), the client secret (an operator
 * knows it), and the tokens and key of the call (the refresh token is the refresh body; the operator
 * issued the refresh key and decrypts the token to validate), each whole and in pieces.
 */
function echo(req: IncomingMessage, body: string): string {
  const known = [apiKey, secretKey];
  if (req.url?.endsWith('/refresh')) known.push(identity.refresh_token, identity.refresh_response_key);
  if (req.url?.endsWith('/validate')) known.push(identity.advertising_token);
  return [req.headers.authorization ?? '', body, ESCAPES, ...known.flatMap(pieces)].join(' | ');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      requests++;
      const text = echo(req, body);
      res.writeHead(answer.http, { 'content-type': 'application/json', 'retry-after': '0' });
      // A 200 carries the echo where the encrypted envelope belongs: it cannot decrypt.
      if (answer.http === 200) res.end(Buffer.from(text).toString('base64'));
      else
        res.end(JSON.stringify({ status: answer.status ?? text, message: `${answer.prefix ?? ''}${text}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const env = () => ({ UID2_BASE_URL: baseUrl, UID2_API_KEY: apiKey, UID2_SECRET_KEY: secretKey });

const COMMANDS = [
  { name: 'generate', argv: ['generate', '--email', 'user@example.com'], stdin: '' },
  { name: 'refresh', argv: ['refresh'], stdin: identityLine },
  {
    name: 'validate',
    argv: ['validate', '--token', identity.advertising_token, '--email', 'user@example.com'],
    stdin: '',
  },
] as const;

const ANSWERS = [
  { http: 200 },
  { http: 400 },
  { http: 400, status: 'client_error' },
  { http: 400, status: 'invalid_token' },
  { http: 400, status: 'expired_token' },
  { http: 400, status: 'client_error', prefix: 'Invalid token' },
  { http: 400, status: 'client_error', prefix: 'Unauthorised to validate token' },
  { http: 400, status: 'client_error', prefix: 'Invalid timestamp' },
  { http: 401, status: 'unauthorized' },
  { http: 401 },
  { http: 429 },
  { http: 500 },
  { http: 503, status: 'unknown' },
];

/** Every fragment of 16 characters of every secret: none may be printed. */
function leaks(printed: string): string[] {
  const found: string[] = [];
  for (const secret of SECRETS)
    for (let i = 0; i + 16 <= secret.length; i += 4)
      if (printed.includes(secret.slice(i, i + 16))) found.push(secret.slice(i, i + 16));
  return found;
}

describe('uid2-publisher against an operator that echoes secrets and terminal escapes', () => {
  for (const command of COMMANDS) {
    it(`${command.name}: no secret and no control character on stdout or stderr, for any answer`, async () => {
      for (const shape of ANSWERS) {
        answer = shape;
        const before = requests;
        const run = capture(env(), command.stdin);
        const exit = await runCli([...command.argv, '--timeout-ms', '3000'], run.io);
        const label = `${command.name} ${JSON.stringify(shape)}`;
        expect(requests, label).toBeGreaterThan(before); // the operator was really asked
        expect(
          [EXIT.ok, EXIT.usage, EXIT.refused, EXIT.transient, EXIT.badResponse],
          `${label} ${run.err()}`,
        ).toContain(exit);
        const printed = run.out() + run.err();
        expect(leaks(printed), label).toEqual([]);
        expect(printed, label).not.toContain(secretKey);
        expect(printed, label).not.toContain(apiKey.slice(0, -1));
        // Only the CLI's own line ends: one line on stdout (a result) or stderr (an error).
        expect(printed, label).not.toMatch(UNPRINTABLE);
        expect(printed, label).not.toMatch(/^UID2_FAKE/m);
        if (exit === EXIT.ok) {
          expect(run.out().split('\n'), label).toHaveLength(2);
          expect(JSON.parse(run.out()).status, label).toMatch(
            /^(invalid_token|expired_token|not_owner|mismatch)$/,
          );
        } else {
          expect(run.out(), label).toBe('');
          expect(run.err(), label).toMatch(/^UID2_[A-Z_]+: [^\n]*\n$/);
        }
      }
    });
  }
});
