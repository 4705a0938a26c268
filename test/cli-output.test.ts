/**
 * The CLI's own output guard, on its own: escaping of control characters and redaction of the run's
 * secrets (defence in depth: it must hold even if the client let a secret through).
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatResult } from '../src/cli/commands.js';
import { EXIT, reportError, UsageError } from '../src/cli/io.js';
import { printable, Secrets, safeWriter } from '../src/cli/output.js';
import { Uid2Error } from '../src/errors.js';
import { capture, UNPRINTABLE } from './support/cli-capture.js';

describe('printable', () => {
  it('writes every C0, DEL, C1, line separator and bidi control as a literal \\uXXXX', () => {
    const controls = [
      ...Array.from({ length: 0x20 }, (_, i) => i),
      ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
      0x061c,
      0x200e,
      0x200f,
      0x2028,
      0x2029,
      0x202a,
      0x202b,
      0x202c,
      0x202d,
      0x202e,
      0x2066,
      0x2067,
      0x2068,
      0x2069,
    ];
    for (const code of controls) {
      const ch = String.fromCharCode(code);
      expect(printable(`a${ch}b`), code.toString(16)).toBe(`a\\u${code.toString(16).padStart(4, '0')}b`);
    }
    expect(printable('plain text, é, 漢字, emoji 🙂, "quotes" and \\ backslash')).toBe(
      'plain text, é, 漢字, emoji 🙂, "quotes" and \\ backslash',
    );
  });

  it('is idempotent, and keeps the value of JSON text', () => {
    const hostile = 'x\u001b]52;c;eA\u0007\r\n\u009b2J\u202e\u0085y';
    expect(printable(printable(hostile))).toBe(printable(hostile));
    const json = JSON.stringify({ detail: hostile });
    expect(printable(json)).not.toMatch(UNPRINTABLE);
    expect(JSON.parse(printable(json))).toEqual({ detail: hostile });
  });

  it('safeWriter keeps the line breaks it was given and nothing else', () => {
    let written = '';
    safeWriter((text) => {
      written += text;
    })('one\ntwo \u001b[2J\u0007\r\n');
    expect(written).toBe('one\ntwo \\u001b[2J\\u0007\\u000d\n');
  });
});

describe('Secrets', () => {
  const apiKey = `UID2-C-L-999-${randomBytes(30).toString('base64url')}`;
  const secret = randomBytes(32).toString('base64');
  const refreshToken = randomBytes(291).toString('base64');
  const secrets = new Secrets();
  for (const value of [apiKey, secret, refreshToken]) secrets.add(value);

  it('redacts each secret whole and any piece of 12 characters or more', () => {
    const pieces = [
      apiKey,
      secret,
      refreshToken,
      apiKey.slice(0, -1),
      secret.slice(1),
      refreshToken.slice(100, 112),
      refreshToken.slice(-12),
    ];
    for (const piece of pieces) {
      const out = secrets.redact(`before ${piece} after`);
      expect(out, piece).toBe('before [redacted] after');
    }
    expect(secrets.redact(`${secret.slice(0, 11)} is too short to tell`)).toBe(
      `${secret.slice(0, 11)} is too short to tell`,
    );
  });

  it('leaves text without secrets alone, ignores values too short to be credentials, and never shows them', () => {
    const short = new Secrets();
    short.add('s');
    short.add('');
    short.add(undefined);
    expect(short.redact('messages stay readable')).toBe('messages stay readable');
    expect(secrets.redact('operator refused the request (HTTP 400)')).toBe(
      'operator refused the request (HTTP 400)',
    );
    expect(JSON.stringify({ secrets })).not.toContain(secret.slice(0, 12));
    expect(inspect(secrets, { showHidden: true, depth: 10 })).not.toContain(secret.slice(0, 12));
  });

  it("reportError prints one CODE: message line, redacted and printable, whatever the error's message", () => {
    const cases = [
      [
        new Uid2Error('UID2_BAD_REQUEST', `echo ${apiKey}\r\nFAKE ${refreshToken.slice(0, 200)}`),
        EXIT.refused,
      ],
      [new UsageError(`bad ${secret}`), EXIT.usage],
      [new Error(`boom ${refreshToken}\u001b[2J`), EXIT.internal],
      ['a string thrown', EXIT.internal],
    ] as const;
    for (const [err, exit] of cases) {
      const run = capture();
      expect(reportError(run.io, err, secrets)).toBe(exit);
      expect(run.err()).toMatch(/^(UID2_BAD_REQUEST|UID2_INVALID_INPUT|INTERNAL_ERROR): [^\n]*\n$/);
      expect(run.err()).not.toMatch(UNPRINTABLE);
      for (const value of [apiKey, secret, refreshToken])
        expect(run.err()).not.toContain(value.slice(20, 32));
    }
  });

  it('formatResult redacts the text of a non-success result, never a success identity', () => {
    expect(formatResult({ status: 'invalid_token', detail: `echo ${refreshToken}` }, secrets)).toBe(
      '{"status":"invalid_token","detail":"echo [redacted]"}\n',
    );
    const identityJson = JSON.stringify({ advertising_token: 'A4', refresh_token: 'r' });
    const success = { status: 'success', identity: JSON.parse(identityJson), identityJson } as const;
    expect(formatResult(success as Parameters<typeof formatResult>[0], secrets)).toBe(
      `{"status":"success","identity":${identityJson}}\n`,
    );
  });
});
