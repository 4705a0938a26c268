/**
 * `uid2-publisher validate` against the local operator: match, mismatch, another publisher's token,
 * garbage, a throwaway --local operator, and every input error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/io.js';
import { runCli } from '../src/cli/main.js';
import { type LocalOperator, startLocalOperator } from '../src/testing/index.js';
import { capture } from './support/cli-capture.js';

const ours = {
  apiKey: `UID2-C-L-101-${randomBytes(12).toString('hex')}`,
  secretKey: randomBytes(32).toString('base64'),
};
const theirs = {
  apiKey: `UID2-C-L-202-${randomBytes(12).toString('hex')}`,
  secretKey: randomBytes(32).toString('base64'),
};

let op: LocalOperator;
let env: Record<string, string>;
let token: string;

async function generate(credentials: { apiKey: string; secretKey: string }, email: string): Promise<string> {
  const run = capture({
    UID2_BASE_URL: op.url,
    UID2_API_KEY: credentials.apiKey,
    UID2_SECRET_KEY: credentials.secretKey,
  });
  expect(await runCli(['generate', '--email', email], run.io), run.err()).toBe(EXIT.ok);
  return JSON.parse(run.out()).identity.advertising_token as string;
}

async function validate(argv: readonly string[], runEnv = env) {
  const run = capture(runEnv);
  const exit = await runCli(['validate', ...argv], run.io);
  return { exit, out: run.out(), err: run.err() };
}

beforeAll(async () => {
  op = await startLocalOperator({
    clients: [
      { ...ours, siteId: 101 },
      { ...theirs, siteId: 202 },
    ],
  });
  env = { UID2_BASE_URL: op.url, UID2_API_KEY: ours.apiKey, UID2_SECRET_KEY: ours.secretKey };
  token = await generate(ours, 'validate-cli@example.com');
});

afterAll(() => op.close());

describe('uid2-publisher validate', () => {
  it('answers match for the DII the token was generated for, in any identifier form', async () => {
    const email = await validate(['--token', token, '--email', 'Validate-CLI@example.com']);
    expect(email).toEqual({ exit: EXIT.ok, out: '{"status":"match"}\n', err: '' });
    const hash = await validate(['--token', token, '--email-hash', sha256Base64('validate-cli@example.com')]);
    expect(hash.out).toBe('{"status":"match"}\n');
    const phoneToken = await phoneTokenFor('+12025550123');
    const phone = await validate(['--token', phoneToken, '--phone', '+12025550123']);
    expect(phone.out).toBe('{"status":"match"}\n');
  });

  it('answers mismatch for another DII, not_owner for another publisher, invalid_token for garbage', async () => {
    const other = await validate(['--token', token, '--email', 'someone-else@example.com']);
    expect(other).toEqual({ exit: EXIT.ok, out: '{"status":"mismatch"}\n', err: '' });
    const foreign = await generate(theirs, 'validate-cli@example.com');
    const notOwner = await validate(['--token', foreign, '--email', 'validate-cli@example.com']);
    expect(notOwner.exit).toBe(EXIT.ok);
    expect(JSON.parse(notOwner.out).status).toBe('not_owner');
    const garbage = await validate(['--token', 'A4AAAAnot-a-token', '--email', 'validate-cli@example.com']);
    expect(garbage.exit).toBe(EXIT.ok);
    expect(JSON.parse(garbage.out).status).toBe('invalid_token');
  });

  it('--local is a throwaway operator: a token from anywhere else is invalid_token', async () => {
    const run = await validate(['--local', '--token', token, '--email', 'validate-cli@example.com'], {});
    expect(run.exit).toBe(EXIT.ok);
    expect(JSON.parse(run.out).status).toBe('invalid_token');
  });

  it('input errors are usage errors with their code, before any request', async () => {
    const before = JSON.stringify(op.stats());
    const cases = [
      [['--email', 'a@example.com'], /^UID2_INVALID_INPUT: give the advertising token with --token\n/],
      [
        ['--token', '', '--email', 'a@example.com'],
        /^UID2_INVALID_INPUT: give the advertising token with --token\n/,
      ],
      [['--token', token], /^UID2_INVALID_INPUT: give exactly one of --email/],
      [
        ['--token', token, '--email', 'a@example.com', '--phone', '+12025550123'],
        /^UID2_INVALID_INPUT: give exactly one/,
      ],
      [['--token', token, '--email', 'not-an-email'], /^UID2_INVALID_INPUT: /],
      [['--token', token, '--phone', '12025550123'], /^UID2_INVALID_INPUT: /],
      [['--token', token, '--email-hash', 'abc'], /^UID2_INVALID_INPUT: /],
      [
        ['--token', token, '--email', 'a@example.com', '--tcf', 'x'],
        /^UID2_INVALID_INPUT: Unknown option '--tcf'/,
      ],
    ] as const;
    for (const [argv, message] of cases) {
      const run = await validate(argv);
      expect(run.exit, argv.join(' ')).toBe(EXIT.usage);
      expect(run.err, argv.join(' ')).toMatch(message);
      expect(run.err).not.toContain('not-an-email');
      expect(run.out).toBe('');
    }
    expect(JSON.stringify(op.stats())).toBe(before);
  });

  it('an error answer has its exit class (401 is refused)', async () => {
    const run = await validate(['--token', token, '--email', 'a@example.com'], {
      ...env,
      UID2_API_KEY: 'UID2-C-L-1-nobody',
    });
    expect(run.exit).toBe(EXIT.refused);
    expect(run.err).toMatch(/^UID2_UNAUTHORIZED: /);
  });
});

function sha256Base64(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

async function phoneTokenFor(phone: string): Promise<string> {
  const run = capture(env);
  expect(await runCli(['generate', '--phone', phone], run.io), run.err()).toBe(EXIT.ok);
  return JSON.parse(run.out()).identity.advertising_token as string;
}
